package io.midge.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.broker.config.BridgeConfig;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QoS 1 messages a bridge sent and its remote (a {@link FakeRemote}, which can leave them unacknowledged) has not
 * acknowledged survive a restart of the bridging broker: the queue keeps each until the remote's PUBACK, whatever
 * the store knows of the packet identifier it went out under (the queue keeps no in-flight record for QoS 1).
 */
class BridgeOutboundRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final Brokers brokers = new Brokers();
    @TempDir
    Path temp;

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    @DisplayName("QoS 1 messages sent and not acknowledged when the bridging broker restarts go out again, in order, "
            + "and the remote's PUBACKs then empty the queue (at least once: MQTT-4.3.2, MQTT-4.4.0-1)")
    void unacknowledgedSentAgainAfterARestart(int version) throws Exception {
        try (FakeRemote remote = new FakeRemote()) {
            int localPort = Mosquitto.freePort();
            Path data = temp.resolve("local");
            List<BridgeConfig> bridge = List.of(BridgeSpec.to("r", remote.port()).version(version)
                    .out("d/#", 1).build());
            Broker local = brokers.start(localPort, data, bridge);
            try (FakeRemote.Link link = remote.accept(false)) {
                try (Subscriber pub = Subscriber.connect("tcp://127.0.0.1:" + localPort, "pub")) {
                    for (int i = 0; i < 3; i++) {
                        pub.publish("d/x", "m" + i, 1); // PUBACK: in the bridge's queue, in the store
                    }
                }
                assertThat(payloads(link, 3)).containsExactly("m0", "m1", "m2"); // not acknowledged
                brokers.stop(local);
            }
            local = brokers.start(localPort, data, bridge);
            try (FakeRemote.Link link = remote.accept(true)) {
                List<Publish> again = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    again.add(link.expect(Publish.class));
                }
                assertThat(again).extracting(BridgeOutboundRestartTest::text).containsExactly("m0", "m1", "m2");
                for (Publish p : again) {
                    link.send(new PubAck(p.packetId()));
                    p.release();
                }
                Broker restarted = local;
                await().atMost(WAIT).until(() -> BridgeTest.status(restarted, "r").queued() == 0);
            }
        }
    }

    private static List<String> payloads(FakeRemote.Link link, int n) throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Publish p = link.expect(Publish.class);
            texts.add(text(p));
            p.release();
        }
        return texts;
    }

    private static String text(Publish p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }
}
