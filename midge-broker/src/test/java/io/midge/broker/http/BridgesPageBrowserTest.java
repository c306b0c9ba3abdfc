package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.BRIDGES;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.config.BridgeConfig.Direction;
import io.midge.broker.config.BridgeConfig.TopicRule;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.testing.BrokerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's Bridges page in a real browser (headless Chromium), against a broker with two bridges: one to a
 * second broker (connected, sending and receiving while clients publish) and one to a port where nothing listens (not
 * connected, its queue growing, its last error shown). The page's link is hidden on a broker without bridges.
 * Screenshots go to target/dashboard-bridges.png and target/dashboard-bridges-phone.png.
 */
class BridgesPageBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String ROW_KEYS = "[...document.querySelectorAll('main tbody tr')].map(r => r.dataset.key)";

    @RegisterExtension
    final BrokerExtension remote = new BrokerExtension();
    @RegisterExtension
    final BrokerExtension local = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    private static HeadlessChromium chromium;

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

    @Test
    @DisplayName("The Bridges page shows each bridge live (state, remote, queued, sent and received with rates, "
            + "dropped, last error), and its link only where bridges are configured")
    void theBridgesPageShowsEachBridge() throws Exception {
        try (HeadlessChromium.Page browser = chromium.open(1280, 800)) {
            browser.navigate(local.httpUri() + "/#/bridges");
            browser.waitFor("the page of a broker without bridges", "document.querySelector('main').textContent"
                    + ".includes('No bridges')", PATIENCE);
            assertThat(browser.evaluate("document.querySelector('[data-nav=bridges]').hidden").asBoolean())
                    .as("no Bridges link without bridges").isTrue();
        }

        int nobody = deadPort();
        local.restart(b -> b.set(BRIDGES, List.of(
                bridge("hospital", remote.port(), new TopicRule("home/#", Direction.OUT, 1, "", ""),
                        new TopicRule("hospital/commands/#", Direction.IN, 1, "", "")),
                bridge("backup", nobody, new TopicRule("home/#", Direction.OUT, 1, "", "")))));
        MqttAsyncClient monitor = connect(local.uri(), "monitor");
        MqttAsyncClient nurse = connect(remote.uri(), "nurse");
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        ticks.scheduleAtFixedRate(() -> {
            try {
                monitor.publish("home/patient-1/heart-rate", "72".getBytes(StandardCharsets.UTF_8), 1, false);
                nurse.publish("hospital/commands/patient-1", "call".getBytes(StandardCharsets.UTF_8), 1, false);
            } catch (MqttException e) {
                // in-flight window full: this tick publishes nothing
            }
        }, 0, 40, TimeUnit.MILLISECONDS);
        try (HeadlessChromium.Page browser = chromium.open(1280, 800)) {
            browser.navigate(local.httpUri() + "/");
            browser.waitFor("the Bridges link", "!document.querySelector('[data-nav=bridges]').hidden", PATIENCE);
            browser.evaluate("document.querySelector('[data-nav=bridges]').click()");
            browser.waitFor("both bridges, by name", ROW_KEYS + ".join() === 'backup,hospital'", PATIENCE);
            String hospital = "document.querySelector('tr[data-key=\"hospital\"]')";
            String backup = "document.querySelector('tr[data-key=\"backup\"]')";
            String cell = "%s.querySelector('td[data-label=\"%s\"]').textContent";
            browser.waitFor("hospital running", cell.formatted(hospital, "State") + " === 'running'", PATIENCE);
            String rate = "parseFloat((%s.querySelector('td[data-label=\"%s\"] .small') || {}).textContent) > 0";
            browser.waitFor("hospital sending and receiving, with rates per second", rate.formatted(hospital, "Sent")
                    + " && " + rate.formatted(hospital, "Received"), PATIENCE);
            assertThat(browser.evaluate(cell.formatted(hospital, "Remote")).asText())
                    .isEqualTo("127.0.0.1:" + remote.port());
            browser.waitFor("backup connecting, with why", cell.formatted(backup, "State")
                    + " === 'connecting' && " + cell.formatted(backup, "Last error") + ".includes('cannot connect')",
                    PATIENCE);
            browser.waitFor("backup's queue growing", "+" + backup + ".querySelector('td[data-label=\"Queued\"] "
                    + ".stacked').firstChild.textContent.replace(/,/g, '') >= 10", PATIENCE);
            int loads = browser.evaluate("+document.querySelector('.page').dataset.loads").asInt();
            browser.waitFor("the page refreshed by itself", "+document.querySelector('.page').dataset.loads > "
                    + (loads + 1), PATIENCE);
            browser.screenshot(Path.of("target", "dashboard-bridges.png"));

            browser.viewport(390, 844, true);
            browser.waitFor("the page refreshed on a phone", "+document.querySelector('.page').dataset.loads > "
                    + (loads + 3), PATIENCE);
            assertThat(browser.evaluate("document.documentElement.scrollWidth <= 390").asBoolean())
                    .as("no sideways scrolling on a phone").isTrue();
            browser.screenshot(Path.of("target", "dashboard-bridges-phone.png"));
            assertThat(browser.errors()).isEmpty();
        } finally {
            ticks.shutdownNow();
            ticks.awaitTermination(5, TimeUnit.SECONDS);
            for (MqttAsyncClient c : List.of(monitor, nurse)) {
                c.disconnect().waitForCompletion(5_000);
                c.close();
            }
        }
    }

    private static BridgeConfig bridge(String name, int port, TopicRule... rules) {
        return new BridgeConfig(name, "127.0.0.1", port, ListenerConfig.Transport.TCP, "/mqtt", 5, "home." + name,
                null, null, false, 3600, 30, null, null, List.of(rules), 100_000, 1L << 30,
                QueueOverflow.DROP_OLDEST);
    }

    /** A port where nothing listens (taken and given back). */
    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static MqttAsyncClient connect(String uri, String clientId) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(1000);
        options.setKeepAliveInterval(0);
        client.connect(options).waitForCompletion(10_000);
        return client;
    }
}
