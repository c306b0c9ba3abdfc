package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Messages queued for and in flight to a persistent session survive a restart of the broker. */
class QueuedRestartTest {
    @TempDir
    static Path temp;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension().durable(temp.resolve("store-" + System.nanoTime()));

    private static Connect connect(String clientId, boolean cleanSession) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, cleanSession, 0, null, null, null, MqttProperties.EMPTY);
    }

    private RawClient subscriber(String clientId, String filter, int qos) throws Exception {
        RawClient sub = new RawClient(broker.port());
        sub.connect(connect(clientId, false));
        sub.send(new Subscribe(1, List.of(new Subscription(filter, qos, false, false, 0)), MqttProperties.EMPTY));
        sub.receive(SubAck.class);
        return sub;
    }

    private static Publish publish(String topic, int qos, int packetId, String payload) {
        return new Publish(topic, qos, false, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)));
    }

    /** Publishes at QoS 1 or 2 and completes the flow: the broker has acknowledged the message. */
    private static void publishAcknowledged(RawClient pub, String topic, int qos, int packetId, String payload)
            throws Exception {
        pub.send(publish(topic, qos, packetId, payload));
        if (qos == 1) {
            assertThat(pub.receive(PubAck.class).packetId()).isEqualTo(packetId);
        } else {
            assertThat(pub.receive(PubRec.class).packetId()).isEqualTo(packetId);
            pub.send(new PubRel(packetId));
            assertThat(pub.receive(PubComp.class).packetId()).isEqualTo(packetId);
        }
    }

    private static String payload(Publish p) {
        try {
            return p.payload().toString(StandardCharsets.UTF_8);
        } finally {
            p.release();
        }
    }

    @Test
    @DisplayName("QoS 1 and 2 messages queued for an offline persistent session are delivered after a restart, in "
            + "order, and once acknowledged they do not come back after another restart [MQTT-4.6.0-6]")
    void queuedMessagesSurviveARestartInOrder() throws Exception {
        subscriber("queued-sub", "queued/t", 2).close();
        try (RawClient pub = new RawClient(broker.port())) {
            pub.connect(connect("queued-pub", true));
            for (int i = 1; i <= 6; i++) {
                publishAcknowledged(pub, "queued/t", i % 2 == 0 ? 2 : 1, i, "m" + i);
            }
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("queued-sub", false)).sessionPresent()).isTrue();
            List<String> received = new ArrayList<>();
            int releases = 0;
            while (received.size() < 6 || releases < 3) {
                io.midge.codec.packet.MqttPacket packet = sub.receive();
                if (packet instanceof PubRel rel) {
                    releases++;
                    sub.send(new PubComp(rel.packetId()));
                    continue;
                }
                Publish p = (Publish) packet;
                int qos = p.qos();
                int packetId = p.packetId();
                received.add(payload(p) + "@" + qos);
                sub.send(qos == 1 ? new PubAck(packetId) : new PubRec(packetId));
            }
            assertThat(received).containsExactly("m1@1", "m2@2", "m3@1", "m4@2", "m5@1", "m6@2");
            // The session handles a PINGREQ after the acknowledgements: they were all processed.
            sub.send(io.midge.codec.packet.PingReq.INSTANCE);
            sub.receive(io.midge.codec.packet.PingResp.class);
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("queued-sub", false)).sessionPresent()).isTrue();
            assertThat(sub.poll(Duration.ofMillis(300))).as("nothing delivered twice").isNull();
        }
    }

    @Test
    @DisplayName("A QoS 1 message sent and not acknowledged is sent again with DUP after a restart "
            + "[MQTT-4.4.0-1, MQTT-3.3.1-1]")
    void anUnacknowledgedQos1MessageIsResentWithDup() throws Exception {
        try (RawClient sub = subscriber("inflight1-sub", "inflight1/t", 1);
             RawClient pub = new RawClient(broker.port())) {
            pub.connect(connect("inflight1-pub", true));
            publishAcknowledged(pub, "inflight1/t", 1, 1, "unacked");
            Publish first = sub.receive(Publish.class);
            assertThat(first.dup()).isFalse();
            first.release();
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("inflight1-sub", false)).sessionPresent()).isTrue();
            Publish again = sub.receive(Publish.class);
            assertThat(again.dup()).isTrue();
            assertThat(again.qos()).isEqualTo(1);
            assertThat(payload(again)).isEqualTo("unacked");
        }
    }

    @Test
    @DisplayName("A QoS 2 message received by the client (PUBREC) but not completed gets its PUBREL again after a "
            + "restart, not the message [MQTT-4.4.0-1]")
    void aReceivedQos2MessageGetsOnlyItsPubRelAgain() throws Exception {
        int packetId;
        try (RawClient sub = subscriber("inflight2-sub", "inflight2/t", 2);
             RawClient pub = new RawClient(broker.port())) {
            pub.connect(connect("inflight2-pub", true));
            publishAcknowledged(pub, "inflight2/t", 2, 1, "exactly-once");
            Publish p = sub.receive(Publish.class);
            packetId = p.packetId();
            p.release();
            sub.send(new PubRec(packetId));
            assertThat(sub.receive(PubRel.class).packetId()).isEqualTo(packetId);
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("inflight2-sub", false)).sessionPresent()).isTrue();
            assertThat(sub.receive(PubRel.class).packetId()).isEqualTo(packetId);
            sub.send(new PubComp(packetId));
            assertThat(sub.poll(Duration.ofMillis(300))).as("the message is not sent again").isNull();
        }
    }

    @Test
    @DisplayName("A QoS 2 message received from a publisher and not released yet is still known after a restart: "
            + "the re-sent PUBLISH is not delivered twice [MQTT-4.3.3-9]")
    void anInboundQos2IdentifierSurvivesARestart() throws Exception {
        try (RawClient sub = subscriber("inbound2-sub", "inbound2/t", 2);
             RawClient pub = new RawClient(broker.port())) {
            pub.connect(connect("inbound2-pub", false));
            pub.send(publish("inbound2/t", 2, 7, "once"));
            assertThat(pub.receive(PubRec.class).packetId()).isEqualTo(7);
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port()); RawClient pub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("inbound2-sub", false)).sessionPresent()).isTrue();
            Publish p = sub.receive(Publish.class);
            assertThat(payload(p)).isEqualTo("once");
            if (p.qos() > 0) {
                sub.send(new PubRec(p.packetId()));
            }
            assertThat(pub.connect(connect("inbound2-pub", false)).sessionPresent()).isTrue();
            pub.send(new Publish("inbound2/t", 2, false, true, 7, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer("once".getBytes(StandardCharsets.UTF_8))));
            assertThat(pub.receive(PubRec.class).packetId()).isEqualTo(7);
            pub.send(new PubRel(7));
            assertThat(pub.receive(PubComp.class).packetId()).isEqualTo(7);
            assertThat(sub.poll(Duration.ofMillis(300))).as("not delivered twice").isInstanceOf(PubRel.class);
        }
    }

    @Test
    @DisplayName("A queued message whose Message Expiry Interval passed while the broker was down is dropped, not "
            + "delivered after the restart [MQTT-3.3.2-5]")
    void anExpiredQueuedMessageIsDroppedOnRestart() throws Exception {
        subscriber("expired-sub", "expired/t", 1).close();
        long expiresAt;
        try (RawClient pub = new RawClient(broker.port())) {
            pub.version(MqttVersion.MQTT_5).connect(new Connect(MqttVersion.MQTT_5, "expired-pub", true, 0, null,
                    null, null, MqttProperties.EMPTY));
            MqttProperties oneSecond = MqttProperties.builder()
                    .add(io.midge.codec.property.PropertyId.MESSAGE_EXPIRY_INTERVAL, 1L).build();
            pub.send(new Publish("expired/t", 1, false, false, 1, oneSecond,
                    Unpooled.wrappedBuffer("stale".getBytes(StandardCharsets.UTF_8))));
            pub.receive(PubAck.class);
            expiresAt = System.currentTimeMillis() + 1000;
            publishAcknowledged(pub, "expired/t", 1, 2, "fresh");
        }
        // The message's lifetime passes before the restart, which finds it expired in the store.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3))
                .until(() -> System.currentTimeMillis() > expiresAt);
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect("expired-sub", false)).sessionPresent()).isTrue();
            Publish p = sub.receive(Publish.class);
            assertThat(payload(p)).isEqualTo("fresh");
            assertThat(sub.poll(Duration.ofMillis(200))).isNull();
        }
    }
}
