package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the broker sends a subscriber, and the subscriber's acknowledgements, on EmbeddedChannels: the QoS flows, an
 * acknowledgement of the wrong kind, topic aliases, subscription identifiers, message expiry, Maximum Packet Size.
 */
class OutboundPublishesTest {
    private final EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private EmbeddedClient subscriber(MqttVersion version, MqttProperties connectProperties, String filter, int qos,
                                      MqttProperties subscribeProperties) {
        EmbeddedClient client = broker.client(version);
        client.connect(client.connectPacket("sub", true, 0, connectProperties));
        client.send(new Subscribe(1, List.of(new Subscription(filter, qos)), subscribeProperties));
        assertThat(client.receivedOnly(SubAck.class).reasonCodes()).allMatch(code -> !code.isError());
        return client;
    }

    private EmbeddedClient subscriber(MqttVersion version, String filter, int qos) {
        return subscriber(version, MqttProperties.EMPTY, filter, qos, MqttProperties.EMPTY);
    }

    private EmbeddedClient publisher() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.connect("pub", true);
        return client;
    }

    /** Publishes at QoS 0 and returns what the subscriber received. */
    private static List<MqttPacket> relay(EmbeddedClient pub, EmbeddedClient sub, String topic, int qos,
                                          String payload, MqttProperties properties) {
        pub.send(publish(topic, qos, qos == 0 ? 0 : 1, payload, properties));
        pub.received();
        return sub.received();
    }

    // ------------------------------------------------------------------ QoS flows towards the client

    @Test
    @DisplayName("MQTT-4.3.3-4 (5.0): the broker's QoS 2 send: PUBREC is answered PUBREL, PUBCOMP ends it and frees "
            + "the identifier")
    void qos2Flow() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "t", 2);
        EmbeddedClient pub = publisher();
        Publish p = (Publish) relay(pub, sub, "t", 2, "two", MqttProperties.EMPTY).get(0);
        assertThat(p.qos()).isEqualTo(2);
        assertThat(p.dup()).isFalse();
        sub.send(new PubRec(p.packetId()));
        assertThat(sub.receivedOnly(PubRel.class).packetId()).isEqualTo(p.packetId());
        sub.send(new PubComp(p.packetId()));
        assertThat(sub.received()).isEmpty();
        assertThat(broker.sessions.get("sub").queue().inflightCount()).isZero();
        assertThat(sub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-4.3.3-4 (5.0): PUBRECs and PUBCOMPs that arrive in one read are answered (PUBRELs, and the "
            + "sends they made room for) in one flush, not one socket write each")
    void acknowledgementsOfOneReadFlushOnce() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "t", 2);
        EmbeddedClient pub = publisher();
        for (int i = 1; i <= 3; i++) {
            pub.send(publish("t", 2, i, "m" + i, MqttProperties.EMPTY));
        }
        pub.received();
        List<MqttPacket> sent = sub.received();
        assertThat(sent).hasSize(3).allMatch(p -> p instanceof Publish);
        AtomicInteger flushes = new AtomicInteger();
        sub.channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
        sub.sendTogether(new PubRec(((Publish) sent.get(0)).packetId()), new PubRec(((Publish) sent.get(1)).packetId()),
                new PubRec(((Publish) sent.get(2)).packetId()));
        assertThat(flushes).hasValue(1);
        List<MqttPacket> released = sub.received();
        assertThat(released).hasSize(3).allMatch(p -> p instanceof PubRel);
        flushes.set(0);
        sub.sendTogether(released.stream().map(r -> new PubComp(((PubRel) r).packetId())).toArray(MqttPacket[]::new));
        assertThat(flushes.get()).isLessThanOrEqualTo(1);
        assertThat(broker.sessions.get("sub").queue().inflightCount()).isZero();
    }

    @Test
    @DisplayName("§3.6.2.1 (5.0): PUBREC for an identifier not in flight is answered PUBREL 0x92; 3.1.1 answers a "
            + "plain PUBREL")
    void pubRecForUnknownIdentifier() {
        EmbeddedClient v5 = subscriber(MqttVersion.MQTT_5, "t", 2);
        v5.send(new PubRec(77));
        PubRel rel = v5.receivedOnly(PubRel.class);
        assertThat(rel.packetId()).isEqualTo(77);
        assertThat(rel.reasonCode()).isEqualTo(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);

        EmbeddedClient v311 = broker.client(MqttVersion.MQTT_3_1_1);
        v311.connect("v311", true);
        v311.send(new PubRec(77));
        assertThat(v311.receivedOnly(PubRel.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("§4.3.2: a PUBACK for an identifier not in flight (a late duplicate) is ignored")
    void pubAckForUnknownIdentifier() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "t", 1);
        sub.send(new PubAck(5));
        assertThat(sub.received()).isEmpty();
        assertThat(sub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("§4.13.1 (5.0): PUBCOMP for a QoS 1 send in flight is a Protocol Error: DISCONNECT 0x82 with a "
            + "Reason String, then the close")
    void wrongKindOfAcknowledgement5() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "t", 1);
        Publish p = (Publish) relay(publisher(), sub, "t", 1, "one", MqttProperties.EMPTY).get(0);
        sub.send(new PubComp(p.packetId()));
        Disconnect d = sub.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(d.properties().string(PropertyId.REASON_STRING)).contains("PUBCOMP");
        assertThat(sub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("§4.13.1 (5.0): PUBACK for a QoS 2 send that awaits PUBREC is a Protocol Error (DISCONNECT 0x82)")
    void pubAckForQos2Send() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "t", 2);
        Publish p = (Publish) relay(publisher(), sub, "t", 2, "two", MqttProperties.EMPTY).get(0);
        sub.send(new PubAck(p.packetId()));
        assertThat(sub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(sub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-4.8.0-1 (3.1.1): PUBREC for a QoS 1 send in flight is a protocol violation: the connection "
            + "is closed without a byte (3.1.1 has no server DISCONNECT)")
    void wrongKindOfAcknowledgement311() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_3_1_1, "t", 1);
        Publish p = (Publish) relay(publisher(), sub, "t", 1, "one", MqttProperties.EMPTY).get(0);
        sub.send(new PubRec(p.packetId()));
        assertThat(sub.receivedBytes()).isEmpty();
        assertThat(sub.isOpen()).isFalse();
    }

    // ------------------------------------------------------------------ 5.0 properties of the PUBLISH

    @Test
    @DisplayName("MQTT-3.1.2-26 (5.0): towards a client with Topic Alias Maximum 1 a topic goes once with alias 1, "
            + "then as the alias alone; another topic goes in full, without an alias")
    void topicAliasesTowardsClient() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5,
                MqttProperties.builder().add(PropertyId.TOPIC_ALIAS_MAXIMUM, 1).build(), "#", 0, MqttProperties.EMPTY);
        EmbeddedClient pub = publisher();
        Publish first = (Publish) relay(pub, sub, "a/long/topic", 0, "1", MqttProperties.EMPTY).get(0);
        assertThat(first.topic()).isEqualTo("a/long/topic");
        assertThat(first.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(1);

        Publish second = (Publish) relay(pub, sub, "a/long/topic", 0, "2", MqttProperties.EMPTY).get(0);
        assertThat(second.topic()).isEmpty();
        assertThat(second.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(1);
        assertThat(text(second)).isEqualTo("2");

        Publish other = (Publish) relay(pub, sub, "b", 0, "3", MqttProperties.EMPTY).get(0);
        assertThat(other.topic()).isEqualTo("b");
        assertThat(other.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.1.2-27 (5.0): towards a client without Topic Alias Maximum no alias is sent")
    void noTopicAliasesWithoutMaximum() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "#", 0);
        EmbeddedClient pub = publisher();
        for (int i = 0; i < 2; i++) {
            Publish p = (Publish) relay(pub, sub, "a", 0, "x", MqttProperties.EMPTY).get(0);
            assertThat(p.topic()).isEqualTo("a");
            assertThat(p.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-3 (5.0): a message carries the Subscription Identifier of the subscription it matched")
    void subscriptionIdentifier() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, MqttProperties.EMPTY, "s/+", 1,
                MqttProperties.builder().add(PropertyId.SUBSCRIPTION_IDENTIFIER, 42).build());
        Publish p = (Publish) relay(publisher(), sub, "s/1", 0, "x", MqttProperties.EMPTY).get(0);
        assertThat(p.properties().subscriptionIdentifiers()).containsExactly(42L);
    }

    @Test
    @DisplayName("MQTT-3.3.2-6 (5.0): the PUBLISH carries the Message Expiry Interval it was published with, at most; "
            + "a message without one gets none")
    void messageExpiry() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "e", 0);
        EmbeddedClient pub = publisher();
        Publish p = (Publish) relay(pub, sub, "e", 0, "x", MqttProperties.builder()
                .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 100).build()).get(0);
        assertThat(p.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL).getAsLong()).isBetween(99L, 100L);
        Publish without = (Publish) relay(pub, sub, "e", 0, "y", MqttProperties.EMPTY).get(0);
        assertThat(without.properties().contains(PropertyId.MESSAGE_EXPIRY_INTERVAL)).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.1.2-24/25 (5.0): a message larger than the client's Maximum Packet Size is not sent to it, "
            + "as if it had been, and the next one that fits is")
    void maximumPacketSize() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5,
                MqttProperties.builder().add(PropertyId.MAXIMUM_PACKET_SIZE, 64).build(), "m", 1, MqttProperties.EMPTY);
        EmbeddedClient pub = publisher();
        assertThat(relay(pub, sub, "m", 1, "x".repeat(100), MqttProperties.EMPTY)).isEmpty();
        List<MqttPacket> small = relay(pub, sub, "m", 1, "small", MqttProperties.EMPTY);
        assertThat(small).hasSize(1);
        assertThat(text((Publish) small.get(0))).isEqualTo("small");
        assertThat(broker.sessions.get("sub").queue().inflightCount()).as("the dropped one is not in flight")
                .isEqualTo(1);
        assertThat(sub.isOpen()).isTrue();
    }
}
