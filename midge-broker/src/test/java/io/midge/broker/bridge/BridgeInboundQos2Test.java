package io.midge.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.broker.config.BridgeConfig;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The identifiers of QoS 2 messages a bridge took from its remote and stored, but the remote has not released yet,
 * survive a restart of the bridging broker: the remote (a {@link FakeRemote}, the only way to stop the flow between
 * PUBREC and PUBREL) sends such a message again, as it must when it never saw the PUBREC, and the local subscriber
 * still gets it once.
 */
class BridgeInboundQos2Test {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final Brokers brokers = new Brokers();
    @TempDir
    Path temp;

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    @DisplayName("A QoS 2 message from the remote stored here, then this broker restarted before the PUBREL: the "
            + "remote's re-send is acknowledged, not published a second time (MQTT-4.3.3-9), and the identifier is "
            + "free again after PUBREL")
    void notPublishedTwiceAfterARestart(int version) throws Exception {
        try (FakeRemote remote = new FakeRemote()) {
            int localPort = Mosquitto.freePort();
            Path data = temp.resolve("local");
            List<BridgeConfig> bridge = List.of(BridgeSpec.to("r", remote.port()).version(version)
                    .in("cmd/#", 2).build());
            Broker local = brokers.start(localPort, data, bridge);
            try (Subscriber sub = Subscriber.connect("tcp://127.0.0.1:" + localPort, "ls").subscribe("cmd/#", 2)) {
                try (FakeRemote.Link link = remote.accept(false).grantSubscriptions()) {
                    link.send(publish(7, "once", false));
                    assertThat(link.expect(PubRec.class).packetId()).as("PUBREC: stored here").isEqualTo(7);
                    await().atMost(WAIT).until(() -> sub.received().equals(List.of("cmd/x once")));
                    brokers.stop(local); // before the PUBREL
                }
                brokers.start(localPort, data, bridge);
                try (FakeRemote.Link link = remote.accept(true).grantSubscriptions()) {
                    // As if the PUBREC had been lost with the link: the remote sends the PUBLISH again, with DUP.
                    link.send(publish(7, "once", true));
                    assertThat(link.expect(PubRec.class).packetId()).isEqualTo(7);
                    link.send(new PubRel(7));
                    assertThat(link.expect(PubComp.class).packetId()).isEqualTo(7);
                    // Released: the identifier now names a new message.
                    link.send(publish(7, "again", false));
                    assertThat(link.expect(PubRec.class).packetId()).isEqualTo(7);
                    link.send(new PubRel(7));
                    assertThat(link.expect(PubComp.class).packetId()).isEqualTo(7);
                    await().atMost(WAIT).until(() -> sub.received().size() >= 2);
                    assertThat(sub.received()).containsExactly("cmd/x once", "cmd/x again");
                }
            }
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    @DisplayName("A remote that lost the bridge's session (CONNACK Session Present 0) sends no unreleased message "
            + "again and may reuse its identifier: the bridge forgets the identifiers and publishes the new message")
    void forgottenWhenTheRemoteLostItsSession(int version) throws Exception {
        try (FakeRemote remote = new FakeRemote()) {
            int localPort = Mosquitto.freePort();
            Path data = temp.resolve("local");
            List<BridgeConfig> bridge = List.of(BridgeSpec.to("r", remote.port()).version(version)
                    .in("cmd/#", 2).build());
            Broker local = brokers.start(localPort, data, bridge);
            try (Subscriber sub = Subscriber.connect("tcp://127.0.0.1:" + localPort, "ls").subscribe("cmd/#", 2)) {
                try (FakeRemote.Link link = remote.accept(false).grantSubscriptions()) {
                    link.send(publish(9, "first", false));
                    assertThat(link.expect(PubRec.class).packetId()).isEqualTo(9);
                    brokers.stop(local);
                }
                brokers.start(localPort, data, bridge);
                try (FakeRemote.Link link = remote.accept(false).grantSubscriptions()) {
                    link.send(publish(9, "second", false));
                    assertThat(link.expect(PubRec.class).packetId()).isEqualTo(9);
                    await().atMost(WAIT).until(() -> sub.received().size() >= 2);
                    assertThat(sub.received()).containsExactly("cmd/x first", "cmd/x second");
                }
            }
        }
    }

    private static Publish publish(int packetId, String payload, boolean dup) {
        return new Publish("cmd/x", 2, false, dup, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)));
    }
}
