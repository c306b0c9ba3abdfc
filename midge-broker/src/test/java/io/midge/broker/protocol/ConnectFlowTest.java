package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** CONNECT to CONNACK on an EmbeddedChannel: Session Present, the CONNACK's form and size, the keep-alive held to. */
class ConnectFlowTest {
    private EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private static MqttProperties sessionExpiry(long seconds) {
        return MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, seconds).build();
    }

    /** Connects, subscribes (so that the session has state to find again) and disconnects normally. */
    private void leaveSession(MqttVersion version, String clientId, MqttProperties properties) {
        EmbeddedClient first = broker.client(version);
        first.connect(first.connectPacket(clientId, false, 0, properties));
        first.send(new Subscribe(1, List.of(new Subscription("kept/#", 1)), MqttProperties.EMPTY));
        first.received();
        first.send(Disconnect.NORMAL);
        assertThat(first.isOpen()).isFalse();
    }

    // ------------------------------------------------------------------ 3.1 and 3.1.1

    @Test
    @DisplayName("MQTT-3.2.2-1 (3.1.1): a clean session is accepted with exactly 20 02 00 00, Session Present 0")
    void cleanSession311() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.send(client.connectPacket("c311", true, 0, MqttProperties.EMPTY));
        assertThat(client.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x00);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.2.2-2 / -3 (3.1.1): clean session 0 resumes the stored session with Session Present 1")
    void resumed311() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        assertThat(client.connect("r311", false).sessionPresent()).as("no session stored yet").isFalse();
        client.send(Disconnect.NORMAL);

        EmbeddedClient again = broker.client(MqttVersion.MQTT_3_1_1);
        ConnAck connAck = again.connect("r311", false);
        assertThat(connAck.sessionPresent()).isTrue();
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("MQTT-3.2.2-1 (3.1.1): clean session 1 gives Session Present 0 and discards the stored session")
    void cleanSessionDiscards311() {
        leaveSession(MqttVersion.MQTT_3_1_1, "d311", MqttProperties.EMPTY);
        EmbeddedClient clean = broker.client(MqttVersion.MQTT_3_1_1);
        assertThat(clean.connect("d311", true).sessionPresent()).isFalse();
        assertThat(broker.sessions.get("d311").subscriptions()).isEmpty();
    }

    @Test
    @DisplayName("MQTT 3.1 (§3.2, the CONNACK's first byte is reserved): 20 02 00 00 even when the session is resumed")
    void firstByteZeroIn31() {
        leaveSession(MqttVersion.MQTT_3_1, "s31", MqttProperties.EMPTY);
        EmbeddedClient again = broker.client(MqttVersion.MQTT_3_1);
        again.send(again.connectPacket("s31", false, 0, MqttProperties.EMPTY));
        assertThat(again.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x00);
        assertThat(broker.sessions.get("s31").subscriptions()).as("the session was resumed all the same")
                .containsKey("kept/#");
        assertThat(again.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT 3.1 (§3.1, client identifiers of 1 to 23 characters): an empty one is refused with return "
            + "code 2, exactly 20 02 00 02, then the close")
    void emptyClientIdIn31() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1);
        client.send(client.connectPacket("", true, 0, MqttProperties.EMPTY));
        assertThat(client.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x02);
        assertThat(client.isOpen()).isFalse();
    }

    // ------------------------------------------------------------------ 5.0

    @Test
    @DisplayName("MQTT-3.2.2-3 (5.0): clean start 0 resumes a session that outlived its connection: Session Present 1")
    void resumed5() {
        EmbeddedClient first = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = first.connect(first.connectPacket("r5", false, 0, sessionExpiry(300)));
        assertThat(connAck.sessionPresent()).as("nothing to resume the first time").isFalse();
        first.send(Disconnect.NORMAL);

        EmbeddedClient again = broker.client(MqttVersion.MQTT_5);
        assertThat(again.connect(again.connectPacket("r5", false, 0, sessionExpiry(300))).sessionPresent()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.2.2-2 (5.0): clean start 1 gives Session Present 0 though a session was stored")
    void cleanStart5() {
        leaveSession(MqttVersion.MQTT_5, "c5", sessionExpiry(300));
        EmbeddedClient again = broker.client(MqttVersion.MQTT_5);
        assertThat(again.connect(again.connectPacket("c5", true, 0, sessionExpiry(300))).sessionPresent()).isFalse();
        assertThat(broker.sessions.get("c5").subscriptions()).isEmpty();
    }

    @Test
    @DisplayName("MQTT-3.2.2-3 (5.0): after a connection with Session Expiry Interval 0 there is no session to resume")
    void expiryZeroLeavesNothing5() {
        leaveSession(MqttVersion.MQTT_5, "z5", MqttProperties.EMPTY);
        EmbeddedClient again = broker.client(MqttVersion.MQTT_5);
        assertThat(again.connect(again.connectPacket("z5", false, 0, sessionExpiry(300))).sessionPresent())
                .isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-6 (5.0): a CONNACK that refuses (will QoS 2 above maximum QoS 1: 0x9B) has Session "
            + "Present 0, even where a session was stored")
    void refusalHasNoSessionPresent() {
        broker.close();
        broker = new EmbeddedBroker(BrokerConfig.builder().set(ConfigKeys.MAXIMUM_QOS, 1).build());
        leaveSession(MqttVersion.MQTT_5, "w5", sessionExpiry(300));
        EmbeddedClient again = broker.client(MqttVersion.MQTT_5);
        Will will = new Will("last/words", Binary.utf8("bye"), 2, false, MqttProperties.EMPTY);
        ConnAck connAck = again.connect(new Connect(MqttVersion.MQTT_5, "w5", false, 0, null, null, will,
                sessionExpiry(300)));
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.QOS_NOT_SUPPORTED);
        assertThat(connAck.sessionPresent()).isFalse();
        assertThat(connAck.properties().string(PropertyId.REASON_STRING)).contains("will QoS 2");
        assertThat(again.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.1.3-7 (5.0): a zero-length client identifier gets an Assigned Client Identifier")
    void assignedClientIdentifier() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = client.connect("", true);
        String assigned = connAck.properties().string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
        assertThat(assigned).isNotEmpty();
        assertThat(broker.sessions.get(assigned)).isNotNull();
    }

    @Test
    @DisplayName("MQTT-3.1.2-24, MQTT-3.2.2-19/-20 (5.0): a CONNACK larger than the client's Maximum Packet Size "
            + "loses the statements of availability; one that still does not fit is not sent, the connection closed")
    void connAckFitsMaximumPacketSize() {
        EmbeddedClient unlimited = broker.client(MqttVersion.MQTT_5);
        ConnAck full = unlimited.connect("big", true);
        assertThat(full.properties().number(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE)).hasValue(1);
        int fullSize = MqttEncoder.encodedSize(full, MqttVersion.MQTT_5);

        EmbeddedClient tight = broker.client(MqttVersion.MQTT_5);
        ConnAck least = tight.connect(tight.connectPacket("tight", true, 0, MqttProperties.builder()
                .add(PropertyId.MAXIMUM_PACKET_SIZE, fullSize - 1).build()));
        assertThat(least.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        int leastSize = MqttEncoder.encodedSize(least, MqttVersion.MQTT_5);
        assertThat(leastSize).isLessThanOrEqualTo(fullSize - 1);
        assertThat(least.properties().contains(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE)).isFalse();
        assertThat(least.properties().contains(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE)).isFalse();
        assertThat(least.properties().contains(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).isFalse();
        assertThat(least.properties().number(PropertyId.MAXIMUM_PACKET_SIZE))
                .as("the limits stay: a client cannot do without them").isPresent();

        EmbeddedClient tooSmall = broker.client(MqttVersion.MQTT_5);
        long refusedBefore = broker.metrics.connectionsRefused.sum();
        tooSmall.send(tooSmall.connectPacket("small", true, 0, MqttProperties.builder()
                .add(PropertyId.MAXIMUM_PACKET_SIZE, leastSize - 1).build()));
        assertThat(tooSmall.received()).isEmpty();
        assertThat(tooSmall.isOpen()).isFalse();
        assertThat(broker.metrics.connectionsRefused.sum()).isEqualTo(refusedBefore + 1);
        assertThat(broker.sessions.get("small")).as("no session opened").isNull();
    }

    @Test
    @DisplayName("§3.2.2.3.2 (5.0): a Session Expiry Interval above max-session-expiry is cut, and the CONNACK says "
            + "the one the broker uses; one within it is not repeated")
    void sessionExpiryCapped() {
        broker.close();
        broker = new EmbeddedBroker(BrokerConfig.builder().set(ConfigKeys.MAX_SESSION_EXPIRY, 100L).build());
        EmbeddedClient capped = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = capped.connect(capped.connectPacket("capped", false, 0, sessionExpiry(300)));
        assertThat(connAck.properties().number(PropertyId.SESSION_EXPIRY_INTERVAL)).hasValue(100);
        assertThat(broker.sessions.get("capped").expiryIntervalSeconds()).isEqualTo(100);

        EmbeddedClient within = broker.client(MqttVersion.MQTT_5);
        ConnAck asked = within.connect(within.connectPacket("within", false, 0, sessionExpiry(50)));
        assertThat(asked.properties().contains(PropertyId.SESSION_EXPIRY_INTERVAL)).isFalse();
    }

    @Test
    @DisplayName("§4.7.2: a will on a topic starting with $ is refused: CONNACK 0x87 in 5.0, return code 5 "
            + "(not authorized) in 3.1.1")
    void willOnReservedTopic() {
        Will will = new Will("$SYS/fake", Binary.utf8("x"), 0, false, MqttProperties.EMPTY);
        EmbeddedClient v5 = broker.client(MqttVersion.MQTT_5);
        ConnAck refused = v5.connect(new Connect(MqttVersion.MQTT_5, "w5", true, 0, null, null, will,
                MqttProperties.EMPTY));
        assertThat(refused.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        assertThat(v5.isOpen()).isFalse();

        EmbeddedClient v311 = broker.client(MqttVersion.MQTT_3_1_1);
        v311.send(new Connect(MqttVersion.MQTT_3_1_1, "w311", true, 0, null, null, will, MqttProperties.EMPTY));
        assertThat(v311.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x05);
        assertThat(v311.isOpen()).isFalse();
        assertThat(broker.sessions.get("w311")).isNull();
    }

    // ------------------------------------------------------------------ keep-alive

    private void maxKeepAlive(int seconds) {
        broker.close();
        broker = new EmbeddedBroker(BrokerConfig.builder().set(ConfigKeys.MAX_KEEP_ALIVE, seconds).build());
    }

    @Test
    @DisplayName("MQTT-3.2.2-21 (5.0): keep-alive 120 asked, max-keep-alive 60: Server Keep Alive 60, and silence "
            + "for 1.5 times 60 s ends the connection with DISCONNECT 0x8D (MQTT-3.1.2-22)")
    void serverKeepAlive() {
        maxKeepAlive(60);
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = client.connect(client.connectPacket("ka", true, 120, MqttProperties.EMPTY));
        assertThat(connAck.properties().number(PropertyId.SERVER_KEEP_ALIVE)).hasValue(60);

        client.channel.advanceTimeBy(89, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isTrue();

        client.channel.advanceTimeBy(2, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        Disconnect d = client.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-21 (5.0): keep-alive 0 (none) asked, max-keep-alive 60: Server Keep Alive 60")
    void serverKeepAliveForNone() {
        maxKeepAlive(60);
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = client.connect(client.connectPacket("ka0", true, 0, MqttProperties.EMPTY));
        assertThat(connAck.properties().number(PropertyId.SERVER_KEEP_ALIVE)).hasValue(60);
    }

    @Test
    @DisplayName("MQTT-3.2.2-22 (5.0): a keep-alive within the maximum is kept, without Server Keep Alive")
    void keepAliveWithinMaximum() {
        maxKeepAlive(60);
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        ConnAck connAck = client.connect(client.connectPacket("ka30", true, 30, MqttProperties.EMPTY));
        assertThat(connAck.properties().number(PropertyId.SERVER_KEEP_ALIVE)).isEqualTo(OptionalLong.empty());

        client.channel.advanceTimeBy(46, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertThat(client.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT);
    }

    @Test
    @DisplayName("MQTT-3.1.2-24 (3.1.1): a 3.1.1 client cannot be told a shorter keep-alive: its own 120 s holds, "
            + "and 1.5 times it in silence closes the connection without a byte")
    void keepAlive311KeepsItsOwn() {
        maxKeepAlive(60);
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.connect(client.connectPacket("ka311", true, 120, MqttProperties.EMPTY));

        client.channel.advanceTimeBy(91, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertThat(client.isOpen()).as("not held to the broker's 60 s").isTrue();

        client.channel.advanceTimeBy(90, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(client.receivedBytes()).isEmpty();
    }
}
