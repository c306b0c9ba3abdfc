package io.midge.broker.mqtt5;

import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.MqttEncoder;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Maximum Packet Size (MQTT 5.0 sections 3.1.2.11.4 and 3.2.2.3.6), the broker's and each client's. */
class MaximumPacketSizeTest {
    private static final int BROKER_MAXIMUM = 512;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_PACKET_SIZE, BROKER_MAXIMUM));

    @Test
    @DisplayName("§3.2.2.3.6: the CONNACK tells the broker's Maximum Packet Size")
    void theConnAckTellsTheMaximum() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = client.connect(RawV5.connectPacket("mps-client-1", true, MqttProperties.EMPTY));
            assertThat(connAck.properties().number(PropertyId.MAXIMUM_PACKET_SIZE, 0)).isEqualTo(BROKER_MAXIMUM);
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-15: a packet larger than the broker's Maximum Packet Size gets DISCONNECT 0x95")
    void aPacketLargerThanTheBrokersMaximumIsRefused() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "mps-sub-2");
             RawClient pub = RawV5.connect(broker.port(), "mps-pub-2")) {
            RawV5.subscribe(sub, "mps/2", 1);
            pub.send(publish("mps/2", 1, 1, MqttProperties.EMPTY, new byte[BROKER_MAXIMUM]));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.PACKET_TOO_LARGE);
            assertThat(sub.poll(RawClient.QUIET)).as("the oversized message is not delivered").isNull();
        }
    }

    @Test
    @DisplayName("§3.2.2.3.6: a packet of exactly the broker's Maximum Packet Size is accepted")
    void aPacketOfExactlyTheMaximumIsAccepted() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "mps-pub-3")) {
            // 1 byte header, 2 bytes Remaining Length, 2+5 topic, 2 packet id, 1 properties length: 13 bytes.
            pub.send(publish("mps/3", 1, 1, MqttProperties.EMPTY, new byte[BROKER_MAXIMUM - 13]));
            assertThat(pub.receive(PubAck.class).packetId()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-24/25: a message larger than a client's Maximum Packet Size is not sent to it, "
            + "and others still get it")
    void aMessageTooLargeForOneSubscriberStillReachesTheOthers() throws Exception {
        try (RawClient small = RawV5.connect(broker.port(), "mps-small-4", true,
                props(PropertyId.MAXIMUM_PACKET_SIZE, 64));
             RawClient large = RawV5.connect(broker.port(), "mps-large-4");
             RawClient pub = RawV5.connect(broker.port(), "mps-pub-4")) {
            RawV5.subscribe(small, "mps/4", 1);
            RawV5.subscribe(large, "mps/4", 1);
            String big = "x".repeat(100);
            pub.send(publish("mps/4", 1, 1, MqttProperties.EMPTY, big));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            pub.send(publish("mps/4", 1, 2, MqttProperties.EMPTY, "small"));
            pub.receive(PubAck.class);

            assertThat(text(large.receive(Publish.class))).isEqualTo(big);
            assertThat(text(large.receive(Publish.class))).isEqualTo("small");
            // The small client gets the next message: as if the large one had been sent and acknowledged.
            Publish next = small.receive(Publish.class);
            assertThat(text(next)).isEqualTo("small");
            small.send(new PubAck(next.packetId()));
            assertThat(small.poll(RawClient.QUIET)).isNull();
        }
        await().until(() -> broker.broker().metrics().droppedTooLarge.sum() == 1);
    }

    @Test
    @DisplayName("MQTT-3.1.2-25: a dropped oversized message takes no place of the client's Receive Maximum")
    void aDroppedMessageDoesNotHoldTheQuota() throws Exception {
        try (RawClient small = RawV5.connect(broker.port(), "mps-small-5", true,
                props(PropertyId.MAXIMUM_PACKET_SIZE, 64, PropertyId.RECEIVE_MAXIMUM, 1));
             RawClient pub = RawV5.connect(broker.port(), "mps-pub-5")) {
            RawV5.subscribe(small, "mps/5", 1);
            pub.send(publish("mps/5", 1, 1, MqttProperties.EMPTY, "y".repeat(100)));
            pub.send(publish("mps/5", 1, 2, MqttProperties.EMPTY, "fits"));
            assertThat(text(small.receive(Publish.class))).isEqualTo("fits");
        }
    }

    @Test
    @DisplayName("MQTT-3.4.2-2, MQTT-3.14.2-3: a Reason String that would make a PUBACK or DISCONNECT larger than "
            + "the client's Maximum Packet Size is left off")
    void reasonStringsThatDoNotFitAreLeftOff() throws Exception {
        try (RawClient client = RawV5.connect(broker.port(), "mps-client-7", true,
                props(PropertyId.MAXIMUM_PACKET_SIZE, 16))) {
            client.send(publish("mps/7", 1, 1, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1),
                    new byte[] {(byte) 0xFF}));
            PubAck ack = client.receive(PubAck.class);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
            assertThat(ack.properties().contains(PropertyId.REASON_STRING)).isFalse();

            client.send(publish("mps/7", 0, 0, props(PropertyId.TOPIC_ALIAS, 60_000), "alias out of range"));
            Disconnect disconnect = RawV5.awaitDisconnect(client);
            assertThat(disconnect.reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
            assertThat(disconnect.properties().contains(PropertyId.REASON_STRING)).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-19: a refusing CONNACK leaves off a Reason String that would not fit the client")
    void aRefusingConnAckFitsTheClient() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck refused = client.connAck(RawV5.connectPacket("mps-client-8", true,
                    props(PropertyId.MAXIMUM_PACKET_SIZE, 16, PropertyId.AUTHENTICATION_METHOD, "NOPE")));
            assertThat(refused.reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
            assertThat(refused.properties().contains(PropertyId.REASON_STRING)).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-24: Paho with a Maximum Packet Size gets only the messages that fit")
    void pahoGetsOnlyWhatFits() throws Exception {
        List<String> smallGot = new CopyOnWriteArrayList<>();
        List<String> largeGot = new CopyOnWriteArrayList<>();
        MqttClient small = new MqttClient(broker.uri(), "mps-paho-small", new MemoryPersistence());
        MqttClient large = new MqttClient(broker.uri(), "mps-paho-large", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.uri(), "mps-paho-pub", new MemoryPersistence());
        try {
            small.setCallback(new PahoInbox((t, m) -> smallGot.add(new String(m.getPayload(),
                    StandardCharsets.UTF_8))));
            large.setCallback(new PahoInbox((t, m) -> largeGot.add(new String(m.getPayload(),
                    StandardCharsets.UTF_8))));
            MqttConnectionOptions limited = new MqttConnectionOptions();
            limited.setMaximumPacketSize(100L);
            small.connect(limited);
            large.connect(new MqttConnectionOptions());
            small.subscribe("mps/6", 1);
            large.subscribe("mps/6", 1);
            pub.connect(new MqttConnectionOptions());
            for (String payload : List.of("a", "b".repeat(200), "c")) {
                pub.publish("mps/6", new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false, null));
            }
            await().until(() -> largeGot.size() == 3 && smallGot.size() == 2);
            assertThat(smallGot).containsExactly("a", "c");
            assertThat(largeGot).containsExactly("a", "b".repeat(200), "c");
        } finally {
            PahoInbox.close(pub, small, large);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-24, MQTT-3.2.2-19/-20: a CONNACK never exceeds the client's Maximum Packet Size: what "
            + "is optional is left out, and a client too small for even that is closed without a CONNACK")
    void theConnAckFitsTheClientOrIsNotSent() throws Exception {
        try (RawClient roomy = new RawClient(broker.port())) {
            ConnAck connAck = roomy.connAck(RawV5.connectPacket("mps-connack-1", true,
                    props(PropertyId.MAXIMUM_PACKET_SIZE, 1000)));
            assertThat(connAck.properties().contains(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).isTrue();
        }
        try (RawClient tight = new RawClient(broker.port())) {
            ConnAck connAck = tight.connAck(RawV5.connectPacket("mps-connack-2", true,
                    props(PropertyId.MAXIMUM_PACKET_SIZE, 16)));
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(MqttEncoder.encodedSize(connAck, MqttVersion.MQTT_5)).isLessThanOrEqualTo(16);
            assertThat(connAck.properties().contains(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).isFalse();
            assertThat(connAck.properties().number(PropertyId.MAXIMUM_PACKET_SIZE, 0)).isEqualTo(BROKER_MAXIMUM);
        }
        try (RawClient tiny = new RawClient(broker.port())) {
            tiny.version(MqttVersion.MQTT_5).send(RawV5.connectPacket("mps-connack-3", true,
                    props(PropertyId.MAXIMUM_PACKET_SIZE, 8)));
            assertThat(tiny.awaitClose()).as("nothing at all, not even a CONNACK").isEmpty();
        }
        assertThat(broker.broker().sessions().get("mps-connack-3")).isNull();
    }
}
