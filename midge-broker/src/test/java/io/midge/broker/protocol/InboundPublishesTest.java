package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
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
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The client's PUBLISH and PUBREL on an EmbeddedChannel: acknowledgements, refusals, topic aliases. */
class InboundPublishesTest {
    private EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private void reconfigure(BrokerConfig config) {
        broker.close();
        broker = new EmbeddedBroker(config);
    }

    private EmbeddedClient connected(MqttVersion version, String clientId) {
        EmbeddedClient client = broker.client(version);
        client.connect(clientId, true);
        return client;
    }

    private EmbeddedClient subscriber(MqttVersion version, String filter) {
        EmbeddedClient client = connected(version, "sub-" + filter.replace('/', '-').replace('#', 'H'));
        client.send(new Subscribe(1, List.of(new Subscription(filter, 2)), MqttProperties.EMPTY));
        assertThat(client.receivedOnly(SubAck.class).reasonCodes()).allMatch(code -> !code.isError());
        return client;
    }

    /** The topics and payloads of the PUBLISHes a client received, as "topic=payload". */
    private static List<String> delivered(EmbeddedClient client) {
        List<MqttPacket> packets = client.received();
        assertThat(packets).allMatch(p -> p instanceof Publish);
        return packets.stream().map(p -> ((Publish) p).topic() + "=" + text((Publish) p)).collect(Collectors.toList());
    }

    private static MqttProperties alias(int alias) {
        return MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, alias).build();
    }

    // ------------------------------------------------------------------ QoS 0, 1, 2

    @Test
    @DisplayName("§4.3.1: a QoS 0 PUBLISH is delivered and not answered")
    void qos0() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_3_1_1, "q0");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub");
        pub.send(publish("q0", 0, 0, "zero", MqttProperties.EMPTY));
        assertThat(pub.received()).isEmpty();
        assertThat(delivered(sub)).containsExactly("q0=zero");
    }

    @Test
    @DisplayName("MQTT-4.3.2-2 (3.1.1): a QoS 1 PUBLISH is answered PUBACK with its packet identifier")
    void qos1Of311() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_3_1_1, "q1");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub");
        pub.send(publish("q1", 1, 7, "one", MqttProperties.EMPTY));
        PubAck ack = pub.receivedOnly(PubAck.class);
        assertThat(ack.packetId()).isEqualTo(7);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(delivered(sub)).containsExactly("q1=one");
    }

    @Test
    @DisplayName("MQTT-4.3.3-2 (3.1.1): QoS 2 is answered PUBREC, a copy re-sent before PUBREL is acknowledged again "
            + "but not delivered twice, and PUBREL is answered PUBCOMP, all with the packet identifier")
    void qos2Of311() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_3_1_1, "q2");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub");
        pub.send(publish("q2", 2, 9, "two", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubRec.class).packetId()).isEqualTo(9);

        ByteBuf again = ByteBufAllocator.DEFAULT.buffer().writeByte('2');
        pub.send(new Publish("q2", 2, false, true, 9, MqttProperties.EMPTY, again));
        assertThat(pub.receivedOnly(PubRec.class).packetId()).isEqualTo(9);

        pub.send(new PubRel(9));
        assertThat(pub.receivedOnly(PubComp.class).packetId()).isEqualTo(9);
        assertThat(delivered(sub)).containsExactly("q2=two");
    }

    @Test
    @DisplayName("MQTT-4.3.2-4 (5.0), §3.4.2.1: PUBACK 0x10 No matching subscribers without a subscriber, 0x00 with one")
    void qos1Of5() {
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("nobody", 1, 1, "x", MqttProperties.EMPTY));
        PubAck none = pub.receivedOnly(PubAck.class);
        assertThat(none.packetId()).isEqualTo(1);
        assertThat(none.reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);

        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "somebody");
        pub.send(publish("somebody", 1, 2, "y", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(delivered(sub)).containsExactly("somebody=y");
    }

    @Test
    @DisplayName("MQTT-4.3.3-8, MQTT-4.3.3-11 (5.0), §3.5.2.1: PUBREC 0x10 without subscribers is no error: the "
            + "identifier is kept and PUBREL is answered PUBCOMP 0x00")
    void qos2WithoutSubscribersOf5() {
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("nobody", 2, 3, "x", MqttProperties.EMPTY));
        PubRec rec = pub.receivedOnly(PubRec.class);
        assertThat(rec.packetId()).isEqualTo(3);
        assertThat(rec.reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);
        pub.send(new PubRel(3));
        PubComp comp = pub.receivedOnly(PubComp.class);
        assertThat(comp.packetId()).isEqualTo(3);
        assertThat(comp.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("§3.7.2.1 (5.0): PUBREL for an identifier the broker does not know is answered PUBCOMP 0x92; "
            + "3.1.1 has no such code and answers a plain PUBCOMP")
    void pubRelForUnknownIdentifier() {
        EmbeddedClient v5 = connected(MqttVersion.MQTT_5, "v5");
        v5.send(new PubRel(42));
        PubComp comp = v5.receivedOnly(PubComp.class);
        assertThat(comp.packetId()).isEqualTo(42);
        assertThat(comp.reasonCode()).isEqualTo(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);

        EmbeddedClient v311 = connected(MqttVersion.MQTT_3_1_1, "v311");
        v311.send(new PubRel(42));
        assertThat(v311.receivedOnly(PubComp.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    // ------------------------------------------------------------------ refusals

    @Test
    @DisplayName("§4.7.2 (5.0): a publish to $SYS/... is dropped, QoS 1 answered PUBACK 0x87 and QoS 2 PUBREC 0x87, "
            + "without a Reason String (the Paho interoperability client cannot read a PUBACK with properties)")
    void reservedTopicOf5() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "$SYS/#");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("$SYS/broker/uptime", 1, 1, "fake", MqttProperties.EMPTY));
        PubAck ack = pub.receivedOnly(PubAck.class);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        assertThat(ack.properties().isEmpty()).isTrue();

        pub.send(publish("$SYS/broker/uptime", 2, 2, "fake", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubRec.class).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);

        pub.send(publish("$SYS/broker/uptime", 0, 0, "fake", MqttProperties.EMPTY));
        assertThat(pub.received()).isEmpty();
        assertThat(pub.isOpen()).isTrue();
        assertThat(delivered(sub)).isEmpty();
        assertThat(broker.metrics.publishesToReservedTopics.sum()).isEqualTo(3);
    }

    @Test
    @DisplayName("MQTT-3.3.5-2 (3.1.1): a publish to $SYS/... is acknowledged as usual (3.1.1 cannot refuse it) and "
            + "dropped")
    void reservedTopicOf311() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_3_1_1, "$SYS/#");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub");
        pub.send(publish("$SYS/broker/uptime", 1, 5, "fake", MqttProperties.EMPTY));
        PubAck ack = pub.receivedOnly(PubAck.class);
        assertThat(ack.packetId()).isEqualTo(5);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(delivered(sub)).isEmpty();
        assertThat(pub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.2.2-11 (5.0): a PUBLISH above the Maximum QoS ends the connection with DISCONNECT 0x9B")
    void qosAboveMaximum() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.MAXIMUM_QOS, 1).build());
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 2, 1, "x", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.QOS_NOT_SUPPORTED);
        assertThat(pub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-14 (5.0): a retained PUBLISH where retain is not available gets DISCONNECT 0x9A")
    void retainNotAvailable() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.RETAIN_AVAILABLE, false).build());
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        ByteBuf payload = ByteBufAllocator.DEFAULT.buffer().writeByte('r');
        pub.send(new Publish("t", 0, true, false, 0, MqttProperties.EMPTY, payload));
        assertThat(pub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.RETAIN_NOT_SUPPORTED);
        assertThat(pub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("§3.3.2.3.2 (5.0): a QoS 1 payload marked UTF-8 that is not is answered PUBACK 0x99 and dropped")
    void payloadFormatInvalid() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "utf8");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        ByteBuf notUtf8 = ByteBufAllocator.DEFAULT.buffer().writeByte(0xFF).writeByte(0xFE);
        pub.send(new Publish("utf8", 1, false, false, 4, MqttProperties.builder()
                .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1).build(), notUtf8));
        assertThat(pub.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(delivered(sub)).isEmpty();
    }

    @Test
    @DisplayName("MQTT-3.3.4-7, §4.9 (5.0): more unreleased QoS 2 publishes than the broker's Receive Maximum get "
            + "DISCONNECT 0x93")
    void receiveMaximumExceeded() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.RECEIVE_MAXIMUM, 2).build());
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 2, 1, "a", MqttProperties.EMPTY));
        pub.send(publish("t", 2, 2, "b", MqttProperties.EMPTY));
        assertThat(pub.received()).hasSize(2).allMatch(p -> p instanceof PubRec);
        pub.send(publish("t", 2, 3, "c", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
        assertThat(pub.isOpen()).isFalse();
    }

    // ------------------------------------------------------------------ topic aliases

    @Test
    @DisplayName("MQTT-3.3.2-12 (5.0): an alias set with a topic stands for it alone; a new topic with the same "
            + "alias maps it anew (§3.3.4)")
    void topicAliasResolved() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "a/#");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("a/b", 0, 0, "set", alias(1)));
        pub.send(publish("", 0, 0, "used", alias(1)));
        pub.send(publish("a/c", 0, 0, "remapped", alias(1)));
        pub.send(publish("", 0, 0, "used again", alias(1)));
        assertThat(pub.received()).isEmpty();
        assertThat(delivered(sub)).containsExactly("a/b=set", "a/b=used", "a/c=remapped", "a/c=used again");
        assertThat(pub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.3.2-8 (5.0): Topic Alias 0 gets DISCONNECT 0x94 Topic Alias invalid")
    void topicAliasZero() {
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("a/b", 0, 0, "x", alias(0)));
        assertThat(pub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
        assertThat(pub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.3.2-9 (5.0): an alias above the Topic Alias Maximum of the CONNACK gets DISCONNECT 0x94")
    void topicAliasAboveMaximum() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.TOPIC_ALIAS_MAXIMUM, 4).build());
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_5);
        assertThat(pub.connect("pub", true).properties().number(PropertyId.TOPIC_ALIAS_MAXIMUM)).hasValue(4);
        pub.send(publish("a/b", 1, 1, "x", alias(4)));
        assertThat(pub.receivedOnly(PubAck.class)).isNotNull();
        pub.send(publish("a/b", 1, 2, "x", alias(5)));
        Disconnect d = pub.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
        assertThat(pub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-18 (5.0): with topic-alias-maximum 0 the CONNACK says none, and any alias gets 0x94")
    void topicAliasesOff() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.TOPIC_ALIAS_MAXIMUM, 0).build());
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_5);
        assertThat(pub.connect("pub", true).properties().contains(PropertyId.TOPIC_ALIAS_MAXIMUM)).isFalse();
        pub.send(publish("a/b", 0, 0, "x", alias(1)));
        assertThat(pub.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
    }

    @Test
    @DisplayName("§3.3.4 (5.0): an empty topic with an alias that was never set is a Protocol Error (0x82)")
    void topicAliasNotSet() {
        EmbeddedClient sub = subscriber(MqttVersion.MQTT_5, "#");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("", 1, 1, "x", alias(3)));
        Disconnect d = pub.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(d.properties().string(PropertyId.REASON_STRING)).contains("Topic Alias 3");
        assertThat(pub.isOpen()).isFalse();
        assertThat(delivered(sub)).isEmpty();
    }
}
