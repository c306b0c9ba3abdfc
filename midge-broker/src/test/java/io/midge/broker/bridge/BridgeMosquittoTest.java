package io.midge.broker.bridge;

import static io.midge.broker.bridge.BridgeTest.awaitConnected;
import static io.midge.broker.bridge.BridgeTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A Midge bridged to a real Mosquitto started by the test: each version and QoS, both ways, and Mosquitto restarted. */
class BridgeMosquittoTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final Brokers brokers = new Brokers();
    @TempDir
    Path dir;

    @BeforeAll
    static void mosquittoInstalled() {
        assumeTrue(Mosquitto.installed(), "needs /usr/sbin/mosquitto (apt-get install mosquitto)");
    }

    @ParameterizedTest(name = "MQTT level {0}, QoS {1}")
    @CsvSource({"4,0", "4,1", "4,2", "5,0", "5,1", "5,2"})
    @DisplayName("Out and in against Mosquitto, every version and QoS, prefixes traded")
    void outAndIn(int version, int qos) throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(dir, List.of())) {
            Broker local = brokers.start(0, null, List.of(BridgeSpec.to("m", mosquitto.port()).version(version)
                    .rule("#", io.midge.broker.config.BridgeConfig.Direction.OUT, qos, "home/", "h/")
                    .in("cmd/#", qos).build()));
            awaitConnected(local, "m");
            try (Subscriber remoteSub = Subscriber.connect(mosquitto.uri(), "rs").subscribe("h/#", 2);
                 Subscriber localSub = Subscriber.connect(Brokers.uri(local), "ls").subscribe("cmd/#", 2)) {
                // Mosquitto's SUBACK to the bridge is not visible here: publish until the first one crosses.
                await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                    remoteSub.publish("cmd/probe", "p", 1);
                    return !localSub.received().isEmpty();
                });
                List<String> out = new ArrayList<>();
                List<String> in = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    localSub.publish("home/t", "o" + i, qos);
                    out.add("h/t o" + i);
                    remoteSub.publish("cmd/c", "i" + i, qos);
                    in.add("cmd/c i" + i);
                }
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(remoteSub.received()).containsExactlyElementsOf(out);
                    assertThat(localSub.received().stream().filter(r -> !r.startsWith("cmd/probe")).toList())
                            .containsExactlyElementsOf(in);
                });
            }
        }
    }

    @Test
    @DisplayName("Mosquitto stopped in the middle of a QoS 1 stream and started again: nothing lost, order kept")
    void remoteRestartedMidStream() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(dir, List.of())) {
            Broker local = brokers.start(0, null, List.of(BridgeSpec.to("m", mosquitto.port()).out("s/#", 1)
                    .build()));
            awaitConnected(local, "m");
            List<String> expected = new ArrayList<>();
            try (Subscriber remoteSub = Subscriber.connect(mosquitto.uri(), "rs").subscribe("s/#", 1);
                 Subscriber pub = Subscriber.connect(Brokers.uri(local), "pub")) {
                for (int i = 0; i < 300; i++) {
                    if (i == 100) {
                        mosquitto.stop();
                    }
                    if (i == 200) {
                        mosquitto.restart();
                    }
                    pub.publish("s/x", Integer.toString(i), 1);
                    expected.add("s/x " + i);
                }
                await().atMost(WAIT).untilAsserted(() -> assertThat(dedupe(remoteSub.received()))
                        .as(() -> status(local, "m") + "\n" + mosquitto.log())
                        .containsExactlyElementsOf(expected));
                assertThat(status(local, "m").dropped()).isZero();
            }
        }
    }

    /**
     * QoS 1 is at least once: a message in flight when the remote stopped may come twice, right after itself. What
     * matters is that every one comes, in order.
     */
    static List<String> dedupe(List<String> received) {
        List<String> out = new ArrayList<>();
        for (String r : received) {
            if (out.isEmpty() || !out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }
}
