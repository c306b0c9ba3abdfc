package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.testing.BrokerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser (headless Chromium over the DevTools protocol) against a real broker with real MQTT
 * clients: the page loads without a console error, the charts move while clients publish, a client kicked from the
 * table is disconnected, a client's page lists its subscriptions, the retained tree shows a payload, and a phone's
 * width works. Screenshots go to target/dashboard-desktop.png and target/dashboard-phone.png. Skipped where no
 * Chromium is installed ({@code apt-get install chromium}; .ci/run installs it).
 */
class DashboardBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @TempDir
    static Path store;

    @TempDir
    Path dir;

    // Durable, so that the store commits (its chart); a short queue, so that the offline subscriber drops messages.
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1).set(MAX_QUEUED_MESSAGES, 1000))
            .durable(store);

    private static Path chromium;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void findChromium() {
        chromium = HeadlessChromium.executable().orElse(null);
        assumeTrue(chromium != null, "No Chromium on the PATH (Debian: apt-get install chromium): the dashboard's "
                + "browser test is skipped");
    }

    @AfterEach
    void closeClients() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    @DisplayName("The dashboard shows the broker live, kicks a client (MQTT 5.0 3.14.2.1: DISCONNECT 0x98 "
            + "Administrative action), lists a client's subscriptions and the retained payloads, on a desktop and a "
            + "phone")
    void theDashboardWorksInABrowser() throws Exception {
        MqttClient sensor = paho3("sensor-1", false);
        sensor.subscribe("home/+/temp", 1);
        sensor.subscribe("alerts/#", 0);
        sensor.publish("home/kitchen/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true);
        MqttClient offline = paho3("offline-1", false);
        offline.subscribe("load/#", 1);
        offline.disconnect();
        offline.close();
        Kicked victim = paho5("victim");
        Load load = startLoad();

        try (HeadlessChromium browser = HeadlessChromium.start(chromium, dir, 1280, 800)) {
            browser.navigate(broker.httpUri() + "/");
            browser.waitFor("the overview's five charts", "document.querySelectorAll('.uplot').length === 5",
                    PATIENCE);
            browser.waitFor("the messages-in series to go up",
                    "window.midge.live.history.filter(p => p.received > 0).length >= 2", PATIENCE);
            int points = browser.evaluate("+document.querySelector('[data-chart=messages]').dataset.points").asInt();
            browser.waitFor("a point more on the messages chart",
                    "+document.querySelector('[data-chart=messages]').dataset.points > " + points, PATIENCE);
            // A few more seconds of history for a screenshot worth showing.
            browser.waitFor("ten seconds of history", "window.midge.live.history.length >= 10", PATIENCE);
            assertThat(browser.evaluate("document.querySelector('[data-tile=connections] .tile-value').textContent")
                    .asText()).isEqualTo("3");
            assertThat(browser.errors()).as("errors on the overview").isEmpty();
            browser.screenshot(Path.of("target", "dashboard-desktop.png"));

            browser.evaluate("location.hash = '#/clients'");
            String victimRow = "document.querySelector('tr[data-key=\"victim\"]')";
            browser.waitFor("the victim in the clients table", victimRow, PATIENCE);
            browser.evaluate(victimRow + ".querySelector('[data-kick]').click()");
            browser.waitFor("the kick to ask for confirmation",
                    victimRow + ".querySelector('[data-kick]').textContent.startsWith('Confirm')", PATIENCE);
            browser.evaluate(victimRow + ".querySelector('[data-kick]').click()");
            browser.waitFor("the victim gone from the table", "!" + victimRow, PATIENCE);
            assertThat(victim.disconnect.get(10, TimeUnit.SECONDS)).isEqualTo(0x98);
            assertThat(browser.evaluate("!!document.querySelector('tr[data-key=\"sensor-1\"]')").asBoolean()).isTrue();

            browser.evaluate("location.hash = '#/clients/sensor-1'");
            browser.waitFor("sensor-1's subscriptions", "[...document.querySelectorAll('tbody tr')]"
                    + ".some(r => r.dataset.key === 'home/+/temp')", PATIENCE);
            assertThat(browser.evaluate("document.querySelector('main').textContent").asText())
                    .contains("alerts/#").contains("3.1.1");

            browser.evaluate("location.hash = '#/retained'");
            for (String topic : List.of("home", "home/kitchen")) {
                String toggle = "document.querySelector('li[data-topic=\"" + topic + "\"] .toggle')";
                browser.waitFor(topic + " in the retained tree", toggle, PATIENCE);
                browser.evaluate(toggle + ".click()");
            }
            String temp = "document.querySelector('li[data-topic=\"home/kitchen/temp\"] .payload')";
            browser.waitFor("home/kitchen/temp in the retained tree", temp, PATIENCE);
            assertThat(browser.evaluate(temp + ".textContent").asText()).contains("21.5");

            browser.viewport(390, 844, true);
            browser.evaluate("location.hash = '#/'");
            browser.waitFor("the overview's charts on a phone", "document.querySelectorAll('.uplot').length === 5",
                    PATIENCE);
            assertThat(browser.evaluate("document.documentElement.scrollWidth <= 390").asBoolean())
                    .as("no sideways scrolling on a phone").isTrue();
            browser.screenshot(Path.of("target", "dashboard-phone.png"));
            assertThat(browser.errors()).isEmpty();
        } finally {
            load.stop();
        }
    }

    @Test
    @DisplayName("Where the API asks for a login, the dashboard shows its own form (no Basic dialog) and works "
            + "once signed in")
    void theLoginFormSignsIn() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"), "user root\nadmin\ntopic #\n");
        broker.restart(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));
        Path profile = Files.createDirectories(dir.resolve("profile"));
        try (HeadlessChromium browser = HeadlessChromium.start(chromium, profile, 1280, 800)) {
            browser.navigate(broker.httpUri() + "/");
            browser.waitFor("the login form", "!document.getElementById('login').hidden", PATIENCE);
            browser.evaluate("""
                    (() => {
                      const form = document.querySelector('#login form');
                      form.username.value = 'root';
                      form.password.value = 'wrong';
                      form.requestSubmit();
                    })()""");
            browser.waitFor("a refusal", "!document.querySelector('#login .error').hidden", PATIENCE);
            browser.evaluate("""
                    (() => {
                      const form = document.querySelector('#login form');
                      form.password.value = 'root-pw';
                      form.requestSubmit();
                    })()""");
            browser.waitFor("the login form gone", "document.getElementById('login').hidden", PATIENCE);
            browser.waitFor("live figures", "window.midge.live.history.length >= 1", PATIENCE);
            // The only errors are the browser's notes of the 401 answers that brought up the form.
            assertThat(browser.errors()).allSatisfy(error -> assertThat(error).contains("401"));
        }
    }

    private MqttClient paho3(String clientId, boolean cleanSession) throws MqttException {
        MqttClient client = new MqttClient(broker.uri(), clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(cleanSession);
        options.setKeepAliveInterval(0);
        client.connect(options);
        open.add(() -> {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close();
        });
        return client;
    }

    /** An MQTT 5.0 client that records the reason code of the DISCONNECT the broker sends it. */
    private Kicked paho5(String clientId) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttAsyncClient client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                broker.uri(), clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        Kicked kicked = new Kicked();
        client.setCallback(kicked);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setKeepAliveInterval(0);
        client.connect(options).waitForCompletion(10_000);
        open.add(() -> {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        });
        return kicked;
    }

    private static final class Kicked implements MqttCallback {
        final CompletableFuture<Integer> disconnect = new CompletableFuture<>();

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnect.complete(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    /** A publisher whose rate rises and falls (so the charts have a shape), QoS 1 so the offline session queues. */
    private Load startLoad() throws MqttException {
        MqttAsyncClient publisher = new MqttAsyncClient(broker.uri(), "publisher", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(1000);
        options.setKeepAliveInterval(0);
        publisher.connect(options).waitForCompletion(10_000);
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        AtomicLong tick = new AtomicLong();
        ticks.scheduleAtFixedRate(() -> {
            long n = tick.incrementAndGet();
            int burst = (int) (6 + 5 * Math.sin(n / 12.0));
            for (int i = 0; i < burst && publisher.isConnected(); i++) {
                try {
                    publisher.publish("load/" + (i % 4), ("m" + n).getBytes(StandardCharsets.UTF_8), 1, false);
                } catch (MqttException e) {
                    return; // in-flight window full: this tick publishes fewer
                }
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
        return new Load(publisher, ticks);
    }

    private record Load(MqttAsyncClient publisher, ScheduledExecutorService ticks) {
        void stop() throws Exception {
            ticks.shutdownNow();
            ticks.awaitTermination(5, TimeUnit.SECONDS);
            publisher.disconnect().waitForCompletion(5_000);
            publisher.close();
        }
    }
}
