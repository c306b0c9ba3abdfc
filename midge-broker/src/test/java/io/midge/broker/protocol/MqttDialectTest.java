package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.TopicTree;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionServices;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.MqttEncoder;
import io.midge.codec.alias.OutboundTopicAliases;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The rules that differ between 3.x and 5.0, asked of {@link Mqtt3Dialect} and {@link Mqtt5Dialect} directly. */
class MqttDialectTest {
    private final EmbeddedBroker broker = new EmbeddedBroker(BrokerConfig.builder()
            .set(ConfigKeys.MAX_KEEP_ALIVE, 60).set(ConfigKeys.MAX_SESSION_EXPIRY, 3600L).build());
    /** The buffers the deliveries made here hold, released after each test. */
    private final List<ByteBuf> payloads = new ArrayList<>();

    @AfterEach
    void release() {
        payloads.forEach(ByteBuf::release);
        broker.close();
    }

    private ConnectionContext context(MqttVersion version) {
        ConnectionContext c = new ConnectionContext(broker.context, EmbeddedBroker.LISTENER,
                new MqttFrameDecoder(broker.config.protocol().maxPacketSize(), null));
        c.setVersion(version);
        return c;
    }

    private Delivery delivery(String topic, long expiryDeadline, int... subscriptionIds) {
        ByteBuf payload = ByteBufAllocator.DEFAULT.buffer();
        payload.writeCharSequence("payload", StandardCharsets.UTF_8);
        payloads.add(payload);
        Message m = new Message(topic, 1, false, payload, MqttProperties.EMPTY, expiryDeadline, "publisher");
        return new Delivery(m, 1, false, subscriptionIds);
    }

    private static PubAck pubAck(MqttProperties props) {
        return new PubAck(1, ReasonCode.NOT_AUTHORIZED, props);
    }

    @Test
    @DisplayName("MqttDialect.of: 3.1, 3.1.1 and 5.0 each have their dialect")
    void dialectPerVersion() {
        assertThat(MqttDialect.of(MqttVersion.MQTT_3_1)).isSameAs(Mqtt3Dialect.V3_1);
        assertThat(MqttDialect.of(MqttVersion.MQTT_3_1_1)).isSameAs(Mqtt3Dialect.V3_1_1);
        assertThat(MqttDialect.of(MqttVersion.MQTT_5)).isSameAs(Mqtt5Dialect.INSTANCE);
    }

    @Nested
    class Mqtt3 {
        private final Mqtt3Dialect v311 = Mqtt3Dialect.V3_1_1;

        @Test
        @DisplayName("MQTT-3.2.2-2 (3.1.1): Session Present as found; MQTT 3.1 (§3.2) has no such flag: always 0")
        void sessionPresent() {
            assertThat(v311.sessionPresent(true)).isTrue();
            assertThat(v311.sessionPresent(false)).isFalse();
            assertThat(Mqtt3Dialect.V3_1.sessionPresent(true)).isFalse();
        }

        @Test
        @DisplayName("MQTT-3.1.2-6 (3.1.1): clean session 1 ends the session with the connection, 0 keeps it for good")
        void negotiate() {
            ConnectionContext c = context(MqttVersion.MQTT_3_1_1);
            v311.negotiate(new Connect(MqttVersion.MQTT_3_1_1, "c", true, 0, null, null, null, MqttProperties.EMPTY),
                    c);
            assertThat(c.sessionExpiry).isZero();
            v311.negotiate(new Connect(MqttVersion.MQTT_3_1_1, "c", false, 0, null, null, null, MqttProperties.EMPTY),
                    c);
            assertThat(c.sessionExpiry).isEqualTo(SessionRegistry.NEVER_EXPIRES);
            assertThat(v311.connAckProperties(c, null, true, null, null)).isSameAs(MqttProperties.EMPTY);
        }

        @Test
        @DisplayName("MQTT-3.1.2-24 (3.1.1): the client's keep-alive holds, whatever max-keep-alive says")
        void keepAlive() {
            assertThat(v311.keepAlive(broker.config, 120)).isEqualTo(120);
            assertThat(v311.keepAlive(broker.config, 0)).isZero();
        }

        @Test
        @DisplayName("§2.4 (3.1.1 has no reason codes): no Reason String, success in PUBACK and PUBREC "
                + "(MQTT-3.3.5-2), no UNSUBACK codes, 0x80 for a denied filter, no DISCONNECT")
        void noReasonCodes() {
            ConnectionContext c = context(MqttVersion.MQTT_3_1_1);
            assertThat(v311.reasonString(c, "why", MqttDialectTest::pubAck)).isSameAs(MqttProperties.EMPTY);
            assertThat(v311.acknowledgement(ReasonCode.NOT_AUTHORIZED)).isEqualTo(ReasonCode.SUCCESS);
            assertThat(v311.acknowledgement(ReasonCode.NO_MATCHING_SUBSCRIBERS)).isEqualTo(ReasonCode.SUCCESS);
            assertThat(v311.refusesInAcknowledgements()).isFalse();
            assertThat(v311.unsubAckCodes(List.of(ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED))).isEmpty();
            assertThat(v311.subscriptionDenied()).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);
            assertThat(v311.unknownPacketIdentifier()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(v311.tellsDisconnect(ReasonCode.PROTOCOL_ERROR)).isFalse();
            assertThat(v311.tellsDisconnect(ReasonCode.SESSION_TAKEN_OVER)).isFalse();
        }

        @Test
        @DisplayName("§3.9.3 (3.1.1): a $share filter 5.0 would refuse (MQTT-4.8.2-1, -2) gets 0x80; others pass")
        void filterRefusal() {
            assertThat(v311.filterRefusal("$share//x")).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);
            assertThat(v311.filterRefusal("$share/g")).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);
            assertThat(v311.filterRefusal("$share/g/x/#")).isNull();
            assertThat(v311.filterRefusal("a/+/b")).isNull();
        }

        @Test
        @DisplayName("§3.3 (3.1.1): a PUBLISH to the client has no properties: no expiry, identifiers or alias")
        void publishWithoutProperties() {
            ConnectionContext c = context(MqttVersion.MQTT_3_1_1);
            Publish p = v311.publish(delivery("t", System.nanoTime() + TimeUnit.SECONDS.toNanos(10), 4), 9, true, c);
            assertThat(p.topic()).isEqualTo("t");
            assertThat(p.packetId()).isEqualTo(9);
            assertThat(p.qos()).isEqualTo(1);
            assertThat(p.dup()).isTrue();
            assertThat(p.properties().isEmpty()).isTrue();
        }
    }

    @Nested
    class Mqtt5 {
        private final Mqtt5Dialect v5 = Mqtt5Dialect.INSTANCE;

        @Test
        @DisplayName("§3.1.2.11 (5.0): CONNECT's Session Expiry, Receive Maximum, Maximum Packet Size, Topic Alias "
                + "Maximum and Request Problem Information are taken")
        void negotiate() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            v5.negotiate(new Connect(MqttVersion.MQTT_5, "c", true, 0, null, null, null, MqttProperties.builder()
                    .add(PropertyId.SESSION_EXPIRY_INTERVAL, 30).add(PropertyId.RECEIVE_MAXIMUM, 5)
                    .add(PropertyId.MAXIMUM_PACKET_SIZE, 1000).add(PropertyId.TOPIC_ALIAS_MAXIMUM, 3)
                    .add(PropertyId.REQUEST_PROBLEM_INFORMATION, 0).build()), c);
            assertThat(c.sessionExpiry).isEqualTo(30);
            assertThat(c.clientReceiveMaximum).isEqualTo(5);
            assertThat(c.clientMaximumPacketSize).isEqualTo(1000);
            assertThat(c.outboundAliases.maximum()).isEqualTo(3);
            assertThat(c.problemInformation).isFalse();
        }

        @Test
        @DisplayName("MQTT-3.1.2-27 (5.0): without Topic Alias Maximum from the client the broker has no aliases "
                + "to set")
        void noAliasesWithoutMaximum() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            v5.negotiate(new Connect(MqttVersion.MQTT_5, "c", true, 0, null, null, null, MqttProperties.EMPTY), c);
            assertThat(c.outboundAliases).isNull();
            assertThat(c.problemInformation).isTrue();
        }

        @Test
        @DisplayName("MQTT-3.2.2-2, -3 (5.0): Session Present as found")
        void sessionPresent() {
            assertThat(v5.sessionPresent(true)).isTrue();
            assertThat(v5.sessionPresent(false)).isFalse();
        }

        @Test
        @DisplayName("MQTT-3.2.2-21, -22 (5.0): keep-alive above max-keep-alive, or none, is cut to it; within it, "
                + "kept")
        void keepAlive() {
            assertThat(v5.keepAlive(broker.config, 120)).isEqualTo(60);
            assertThat(v5.keepAlive(broker.config, 0)).isEqualTo(60);
            assertThat(v5.keepAlive(broker.config, 30)).isEqualTo(30);
        }

        @Test
        @DisplayName("MQTT-3.1.2-24, MQTT-3.2.2-19 (5.0): CONNACK properties are cut to the client's Maximum Packet "
                + "Size; null when not even the least of them fits")
        void connAckProperties() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            Connect connect = new Connect(MqttVersion.MQTT_5, "c", true, 0, null, null, null, MqttProperties.EMPTY);
            c.clientId = "c";
            v5.negotiate(connect, c); // as ConnectFlow does before: CONNACK tells the alias table's maximum
            MqttProperties full = v5.connAckProperties(c, connect, false, null, null);
            assertThat(full.contains(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).isTrue();
            c.clientMaximumPacketSize = connAckSize(full) - 1;
            MqttProperties least = v5.connAckProperties(c, connect, false, null, null);
            assertThat(least.contains(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).isFalse();
            assertThat(least.contains(PropertyId.MAXIMUM_PACKET_SIZE)).isTrue();
            assertThat(c.fits(new ConnAck(true, ReasonCode.SUCCESS, least))).isTrue();
            c.clientMaximumPacketSize = connAckSize(least) - 1;
            assertThat(v5.connAckProperties(c, connect, false, null, null)).isNull();
        }

        private int connAckSize(MqttProperties props) {
            return MqttEncoder.encodedSize(new ConnAck(true, ReasonCode.SUCCESS, props), MqttVersion.MQTT_5);
        }

        @Test
        @DisplayName("§3.4.2.2.2 (5.0): a reason is sent as Reason String")
        void reasonString() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            assertThat(v5.reasonString(c, "why", MqttDialectTest::pubAck).string(PropertyId.REASON_STRING))
                    .isEqualTo("why");
            assertThat(v5.reasonString(c, null, MqttDialectTest::pubAck)).isSameAs(MqttProperties.EMPTY);
        }

        @Test
        @DisplayName("MQTT-3.1.2-29 (5.0): no Reason String when the client asked for no problem information")
        void reasonStringNotRequested() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            c.problemInformation = false;
            assertThat(v5.reasonString(c, "why", MqttDialectTest::pubAck)).isSameAs(MqttProperties.EMPTY);
        }

        @Test
        @DisplayName("MQTT-3.4.2-2 (5.0): no Reason String that would make the packet exceed the client's Maximum "
                + "Packet Size")
        void reasonStringTooLarge() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            c.clientMaximumPacketSize = 20;
            assertThat(v5.reasonString(c, "short", MqttDialectTest::pubAck).string(PropertyId.REASON_STRING))
                    .isEqualTo("short");
            assertThat(v5.reasonString(c, "a reason far too long to fit", MqttDialectTest::pubAck))
                    .isSameAs(MqttProperties.EMPTY);
        }

        @Test
        @DisplayName("§3.4.2.1, §3.9.3, §3.11.3 (5.0): acknowledgements and UNSUBACK carry the outcome's code; a "
                + "denied filter 0x87; an unknown identifier 0x92")
        void reasonCodes() {
            assertThat(v5.acknowledgement(ReasonCode.NOT_AUTHORIZED)).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            assertThat(v5.acknowledgement(ReasonCode.NO_MATCHING_SUBSCRIBERS))
                    .isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);
            assertThat(v5.refusesInAcknowledgements()).isTrue();
            assertThat(v5.unsubAckCodes(List.of(ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED)))
                    .containsExactly(ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED);
            assertThat(v5.subscriptionDenied()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            assertThat(v5.unknownPacketIdentifier()).isEqualTo(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            assertThat(v5.filterRefusal("$share//x")).as("the 5.0 decoder refused it already").isNull();
        }

        @Test
        @DisplayName("§2.4 (5.0): a DISCONNECT is sent for the codes a DISCONNECT may carry, not for CONNACK's")
        void tellsDisconnect() {
            assertThat(v5.tellsDisconnect(ReasonCode.PROTOCOL_ERROR)).isTrue();
            assertThat(v5.tellsDisconnect(ReasonCode.SESSION_TAKEN_OVER)).isTrue();
            assertThat(v5.tellsDisconnect(ReasonCode.BAD_USER_NAME_OR_PASSWORD)).isFalse();
        }

        @Test
        @DisplayName("MQTT-3.3.2-6 (5.0): the PUBLISH carries the Message Expiry Interval left; none when the "
                + "message does not expire")
        void messageExpiry() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            Publish expiring = v5.publish(delivery("t", System.nanoTime() + TimeUnit.SECONDS.toNanos(10)), 1, false,
                    c);
            assertThat(expiring.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL).getAsLong())
                    .isBetween(9L, 10L);
            Publish lasting = v5.publish(delivery("t", Message.NEVER), 2, false, c);
            assertThat(lasting.properties().contains(PropertyId.MESSAGE_EXPIRY_INTERVAL)).isFalse();
            assertThat(lasting.properties().isEmpty()).isTrue();
        }

        @Test
        @DisplayName("MQTT-3.3.4-3, MQTT-3.3.4-4 (5.0): the PUBLISH carries every Subscription Identifier it matched")
        void subscriptionIdentifiers() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            Publish p = v5.publish(delivery("t", Message.NEVER, 3, 9), 1, false, c);
            assertThat(p.properties().subscriptionIdentifiers()).containsExactly(3L, 9L);
        }

        @Test
        @DisplayName("MQTT-3.1.2-26 (5.0): a topic alias is set with the topic once the PUBLISH is sent, then used "
                + "alone; one not sent is offered again; past the client's maximum topics go in full")
        void topicAliases() {
            ConnectionContext c = context(MqttVersion.MQTT_5);
            c.outboundAliases = new OutboundTopicAliases(2);

            Publish setsA = v5.publish(delivery("a", Message.NEVER), 1, false, c);
            assertThat(setsA.topic()).isEqualTo("a");
            assertThat(setsA.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(1);
            v5.aliasSent(setsA, c);

            Publish usesA = v5.publish(delivery("a", Message.NEVER), 2, false, c);
            assertThat(usesA.topic()).isEmpty();
            assertThat(usesA.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(1);
            v5.aliasSent(usesA, c);
            assertThat(c.outboundAliases.size()).as("using an alias assigns nothing").isEqualTo(1);

            Publish notSent = v5.publish(delivery("b", Message.NEVER), 3, false, c);
            assertThat(notSent.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(2);
            Publish setsC = v5.publish(delivery("c", Message.NEVER), 4, false, c);
            assertThat(setsC.properties().number(PropertyId.TOPIC_ALIAS)).as("alias 2 was never sent").hasValue(2);
            v5.aliasSent(setsC, c);

            Publish full = v5.publish(delivery("b", Message.NEVER), 5, false, c);
            assertThat(full.topic()).isEqualTo("b");
            assertThat(full.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
        }

        @Test
        @DisplayName("MQTT-3.14.2-2 (5.0): DISCONNECT may change a Session Expiry Interval (capped by "
                + "max-session-expiry), but not set one after 0 on CONNECT")
        void sessionExpiryOnDisconnect() {
            EmbeddedChannel loop = new EmbeddedChannel();
            Session session = new Session("c", loop.eventLoop(),
                    new SessionServices(broker.config, broker.metrics, broker.persistence, new TopicTree()));
            try {
                ConnectionContext c = context(MqttVersion.MQTT_5);
                c.session = session;
                c.sessionExpiry = 10;
                Disconnect longer = new Disconnect(ReasonCode.NORMAL_DISCONNECTION,
                        MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 7200).build());
                assertThat(v5.onDisconnect(longer, c)).isNull();
                assertThat(c.sessionExpiry).isEqualTo(3600);
                assertThat(session.expiryIntervalSeconds()).isEqualTo(3600);
                assertThat(v5.onDisconnect(Disconnect.NORMAL, c)).as("no property: nothing changes").isNull();
                assertThat(c.sessionExpiry).isEqualTo(3600);

                c.sessionExpiry = 0;
                assertThat(v5.onDisconnect(longer, c)).startsWith("MQTT-3.14.2-2");
            } finally {
                session.end();
                loop.finishAndReleaseAll();
            }
        }
    }
}
