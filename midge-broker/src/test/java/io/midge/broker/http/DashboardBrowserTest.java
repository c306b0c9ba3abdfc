package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.testing.BrokerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import org.junit.jupiter.api.AfterAll;
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
    /** The keys (client identifiers, topic filters) of the table's rows, in the order shown. */
    private static final String ROW_KEYS = "[...document.querySelectorAll('main tbody tr')].map(r => r.dataset.key)";

    @TempDir
    static Path store;

    @TempDir
    Path dir;

    // Durable, so that the store commits (its chart).
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1).set(MAX_QUEUED_MESSAGES, 10_000))
            .durable(store);

    /** One browser for the tests (it takes seconds to start); each test has a page of its own browser context. */
    private static HeadlessChromium chromium;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startChromium(@TempDir Path profile) throws IOException {
        Optional<Path> executable = HeadlessChromium.executable();
        assumeTrue(executable.isPresent(), "No Chromium on the PATH (Debian: apt-get install chromium): the "
                + "dashboard's browser test is skipped");
        chromium = HeadlessChromium.start(executable.get(), profile);
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
        }
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
        sensor.subscribe("load/0", 0);
        sensor.publish("home/kitchen/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true);
        MqttClient offline = paho3("offline-1", false);
        offline.subscribe("load/#", 1);
        offline.disconnect();
        offline.close();
        Kicked victim = paho5("victim");
        Load load = startLoad();

        try (HeadlessChromium.Page browser = chromium.open(1280, 800)) {
            browser.navigate(broker.httpUri() + "/");
            browser.waitFor("the overview's five charts", "document.querySelectorAll('.uplot').length === 5",
                    PATIENCE);
            browser.waitFor("the messages-in series to go up",
                    "window.midge.live.history.filter(p => p.received > 0).length >= 2", PATIENCE);
            int points = browser.evaluate("+document.querySelector('[data-chart=messages]').dataset.points").asInt();
            browser.waitFor("a point more on the messages chart",
                    "+document.querySelector('[data-chart=messages]').dataset.points > " + points, PATIENCE);
            assertThat(browser.evaluate("document.querySelector('[data-tile=connections] .tile-value').textContent")
                    .asText()).isEqualTo("3");
            assertThat(browser.errors()).as("errors on the overview").isEmpty();
            reportFirstLoad(browser);

            browser.evaluate("location.hash = '#/clients'");
            String victimRow = "document.querySelector('tr[data-key=\"victim\"]')";
            browser.waitFor("the victim in the clients table", victimRow, PATIENCE);
            browser.screenshot(Path.of("target", "dashboard-clients.png"));
            browser.evaluate(victimRow + ".querySelector('[data-kick]').click()");
            browser.waitFor("the kick to ask for confirmation",
                    victimRow + ".querySelector('[data-kick]').textContent.startsWith('Confirm')", PATIENCE);
            browser.evaluate(victimRow + ".querySelector('[data-kick]').click()");
            browser.waitFor("the victim gone from the table", "!" + victimRow, PATIENCE);
            assertThat(victim.disconnect.get(10, TimeUnit.SECONDS)).isEqualTo(0x98);
            assertThat(browser.evaluate("!!document.querySelector('tr[data-key=\"sensor-1\"]')").asBoolean()).isTrue();

            // Search by prefix (on the server), sort the page, page with the API's cursor.
            browser.evaluate("""
                    (() => {
                      const search = document.querySelector('input[type=search]');
                      search.value = 'sen';
                      search.dispatchEvent(new Event('input'));
                    })()""");
            browser.waitFor("only sensor-1 for the prefix 'sen'", "rowKeys().join() === 'sensor-1'".replace(
                    "rowKeys()", ROW_KEYS), PATIENCE);
            browser.evaluate("location.hash = '#/clients?limit=2'");
            browser.waitFor("a first page of two", ROW_KEYS + ".join() === 'offline-1,publisher'", PATIENCE);
            browser.evaluate("document.querySelector('.pager .next').click()");
            browser.waitFor("the second page", ROW_KEYS + ".join() === 'sensor-1'", PATIENCE);
            browser.evaluate("location.hash = '#/clients'");
            browser.waitFor("all three", ROW_KEYS + ".length === 3", PATIENCE);
            browser.evaluate("document.querySelector('th button.sort').click()");
            browser.evaluate("document.querySelector('th button.sort').click()");
            browser.waitFor("sorted by client identifier, descending",
                    ROW_KEYS + ".join() === 'sensor-1,publisher,offline-1'", PATIENCE);

            browser.evaluate("location.hash = '#/clients/sensor-1'");
            browser.waitFor("sensor-1's subscriptions", "[...document.querySelectorAll('tbody tr')]"
                    + ".some(r => r.dataset.key === 'home/+/temp')", PATIENCE);
            assertThat(browser.evaluate("document.querySelector('main').textContent").asText())
                    .contains("alerts/#").contains("3.1.1");
            browser.screenshot(Path.of("target", "dashboard-client.png"));

            browser.evaluate("location.hash = '#/subscriptions'");
            browser.waitFor("the subscriptions of all clients", ROW_KEYS + ".length === 4", PATIENCE);
            browser.evaluate("location.hash = '#/listeners'");
            browser.waitFor("the MQTT and HTTP listeners", "document.querySelector('main').textContent"
                    + ".includes('127.0.0.1:" + broker.port() + "')", PATIENCE);
            // The Nodes page is a cluster's: a broker on its own shows no link to it, and says why if asked.
            assertThat(browser.evaluate("document.querySelector('[data-nav=nodes]').hidden").asBoolean())
                    .as("no Nodes link on a broker of its own").isTrue();
            browser.evaluate("location.hash = '#/nodes'");
            browser.waitFor("the Nodes page of a broker on its own", "document.querySelector('main').textContent"
                    + ".includes('Not a cluster')", PATIENCE);

            browser.evaluate("location.hash = '#/retained'");
            for (String topic : List.of("home", "home/kitchen")) {
                String toggle = "document.querySelector('li[data-topic=\"" + topic + "\"] .toggle')";
                browser.waitFor(topic + " in the retained tree", toggle, PATIENCE);
                browser.evaluate(toggle + ".click()");
            }
            String temp = "document.querySelector('li[data-topic=\"home/kitchen/temp\"] .payload')";
            browser.waitFor("home/kitchen/temp in the retained tree", temp, PATIENCE);
            assertThat(browser.evaluate(temp + ".textContent").asText()).contains("21.5");
            browser.evaluate(temp + ".click()");
            browser.waitFor("the payload opened", "document.querySelector('.payload-full')", PATIENCE);
            browser.screenshot(Path.of("target", "dashboard-retained.png"));

            // Back to the overview, whose history grew meanwhile, for the screenshots.
            browser.evaluate("location.hash = '#/'");
            browser.waitFor("fifteen seconds of history", "window.midge.live.history.length >= 15", PATIENCE);
            browser.waitFor("the overview's charts", "document.querySelectorAll('.uplot').length === 5", PATIENCE);
            browser.screenshot(Path.of("target", "dashboard-desktop.png"));

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
    @DisplayName("Where the API asks for a login, the dashboard shows its own form (no Basic dialog), works once "
            + "signed in, and signs out")
    void theLoginFormSignsIn() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"), "user root\nadmin\ntopic #\n");
        broker.restart(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));
        try (HeadlessChromium.Page browser = chromium.open(1280, 800)) {
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

            browser.waitFor("the log-out button", "!document.getElementById('logout').hidden", PATIENCE);
            browser.evaluate("document.getElementById('logout').click()");
            browser.waitFor("the login form again", "!document.getElementById('login').hidden", PATIENCE);
            assertThat(browser.evaluate("fetch('api/v1/stats', {headers: {'X-Requested-With': 'midge-dashboard'}})"
                    + ".then(r => r.status)").asInt()).as("the session is over").isEqualTo(401);
            // The only errors are the browser's notes of the 401 answers that brought up the form.
            assertThat(browser.errors()).allSatisfy(error -> assertThat(error).contains("401"));
        }
    }

    /**
     * Prints what the first load of the overview cost, from the browser's resource timing: the static files (page,
     * scripts, styles, uPlot) and the API calls made so far (the events stream, still open, is not among them).
     */
    private static void reportFirstLoad(HeadlessChromium.Page browser) {
        JsonNode load = browser.evaluate("""
                (() => {
                  const all = [performance.getEntriesByType('navigation')[0],
                               ...performance.getEntriesByType('resource')];
                  const sum = list => list.reduce((n, e) => n + e.transferSize, 0);
                  const files = all.filter(e => !e.name.includes('/api/'));
                  const api = all.filter(e => e.name.includes('/api/'));
                  return { files: files.length, fileBytes: sum(files), decodedBytes: files.reduce(
                             (n, e) => n + e.decodedBodySize, 0), api: api.length, apiBytes: sum(api),
                           names: files.map(e => e.name.replace(location.origin, '')) };
                })()""");
        System.out.printf("Dashboard first load: %d files, %d bytes transferred (%d bytes unzipped), and %d API "
                        + "calls, %d bytes: %s%n", load.get("files").asInt(), load.get("fileBytes").asLong(),
                load.get("decodedBytes").asLong(), load.get("api").asInt(), load.get("apiBytes").asLong(),
                load.get("names"));
        assertThat(load.get("fileBytes").asLong()).as("the dashboard's first load stays small").isLessThan(100_000);
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
