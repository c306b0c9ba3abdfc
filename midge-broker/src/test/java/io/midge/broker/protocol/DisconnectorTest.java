package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a connection ends, on EmbeddedChannels: a server DISCONNECT that says why in 5.0, a close without a byte in
 * 3.x, a CONNACK that refuses while connecting; and what the client's own DISCONNECT does to its will and session.
 */
class DisconnectorTest {
    private static final String REASON = "the operator asked for it";

    private final EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private EmbeddedClient connected(MqttVersion version, String clientId, MqttProperties properties) {
        EmbeddedClient client = broker.client(version);
        client.connect(client.connectPacket(clientId, true, 0, properties));
        return client;
    }

    @Test
    @DisplayName("§3.14 (5.0): the server ends a connection with DISCONNECT, its reason code and a Reason String, "
            + "then closes it")
    void disconnectWithReasonString() {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c", MqttProperties.EMPTY);
        client.connection.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, REASON);
        Disconnect d = client.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.ADMINISTRATIVE_ACTION);
        assertThat(d.properties().string(PropertyId.REASON_STRING)).isEqualTo(REASON);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-4.8.0-1 (3.1.1, and 3.1): 3.x has no server DISCONNECT: the connection is closed without a byte")
    void closeIn3x() {
        for (MqttVersion version : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_3_1)) {
            EmbeddedClient client = connected(version, "c" + version.level(), MqttProperties.EMPTY);
            client.connection.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, REASON);
            assertThat(client.receivedBytes()).isEmpty();
            assertThat(client.isOpen()).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-29 (5.0): with Request Problem Information 0 the DISCONNECT carries no Reason String")
    void noReasonStringWithoutProblemInformation() {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c",
                MqttProperties.builder().add(PropertyId.REQUEST_PROBLEM_INFORMATION, 0).build());
        client.connection.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, REASON);
        Disconnect d = client.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.ADMINISTRATIVE_ACTION);
        assertThat(d.properties().isEmpty()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.14.2-3 (5.0): the DISCONNECT leaves its Reason String out when it would exceed the "
            + "client's Maximum Packet Size")
    void noReasonStringBeyondMaximumPacketSize() {
        int withReason = MqttEncoder.encodedSize(new Disconnect(ReasonCode.ADMINISTRATIVE_ACTION,
                MqttProperties.builder().add(PropertyId.REASON_STRING, REASON).build()), MqttVersion.MQTT_5);
        // Room for the CONNACK (cut to its least), not for the DISCONNECT with its Reason String.
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c",
                MqttProperties.builder().add(PropertyId.MAXIMUM_PACKET_SIZE, withReason - 1).build());
        client.connection.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, REASON);
        Disconnect d = client.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.ADMINISTRATIVE_ACTION);
        assertThat(d.properties().contains(PropertyId.REASON_STRING)).isFalse();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("§2.4 (5.0): a reason only CONNACK may carry (0x86) cannot go in a DISCONNECT: the connection is "
            + "closed without one")
    void codeNotForDisconnect() {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c", MqttProperties.EMPTY);
        client.connection.disconnect(ReasonCode.BAD_USER_NAME_OR_PASSWORD, REASON);
        assertThat(client.receivedBytes()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-4.13.1-1 (5.0): a CONNECT with the reserved flag set is answered CONNACK 0x81, then the close")
    void malformedConnect5() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        // CONNECT "MQTT" level 5, flags 0x03 (clean start and the reserved bit 0), keep-alive 0, no properties, "a".
        client.sendRaw(0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 'a');
        ConnAck connAck = client.receivedOnly(ConnAck.class);
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.MALFORMED_PACKET);
        assertThat(connAck.sessionPresent()).isFalse();
        assertThat(client.isOpen()).isFalse();
        assertThat(broker.sessions.get("a")).isNull();
    }

    @Test
    @DisplayName("MQTT-3.1.2-3 (3.1.1): a CONNECT with the reserved flag set is closed without CONNACK")
    void malformedConnect311() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.sendRaw(0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x03, 0x00, 0x00, 0x00, 0x01, 'a');
        assertThat(client.receivedBytes()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.1.4-3 (5.0): a connection whose session another one takes over gets DISCONNECT 0x8E; "
            + "3.1.1 (MQTT-3.1.4-2) is closed without a byte")
    void takenOver() {
        EmbeddedClient first5 = connected(MqttVersion.MQTT_5, "same5", MqttProperties.EMPTY);
        EmbeddedClient second5 = broker.client(MqttVersion.MQTT_5);
        assertThat(second5.connect("same5", true).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(first5.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER);
        assertThat(first5.isOpen()).isFalse();
        assertThat(second5.isOpen()).isTrue();

        EmbeddedClient first311 = connected(MqttVersion.MQTT_3_1_1, "same311", MqttProperties.EMPTY);
        EmbeddedClient second311 = broker.client(MqttVersion.MQTT_3_1_1);
        second311.connect("same311", true);
        assertThat(first311.receivedBytes()).isEmpty();
        assertThat(first311.isOpen()).isFalse();
        assertThat(second311.isOpen()).isTrue();
    }

    // ------------------------------------------------------------------ the client's DISCONNECT and the will

    private EmbeddedClient willWatcher() {
        EmbeddedClient watcher = connected(MqttVersion.MQTT_5, "watcher", MqttProperties.EMPTY);
        watcher.send(new Subscribe(1, List.of(new Subscription("wills/#", 0)), MqttProperties.EMPTY));
        watcher.receivedOnly(SubAck.class);
        return watcher;
    }

    private EmbeddedClient withWill(String clientId) {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        Will will = new Will("wills/" + clientId, Binary.utf8("gone"), 0, false, MqttProperties.EMPTY);
        client.connect(new Connect(MqttVersion.MQTT_5, clientId, true, 0, null, null, will, MqttProperties.EMPTY));
        return client;
    }

    private static List<String> wills(EmbeddedClient watcher) {
        List<String> result = new java.util.ArrayList<>();
        for (MqttPacket p : watcher.received()) {
            result.add(((Publish) p).topic() + "=" + text((Publish) p));
        }
        return result;
    }

    @Test
    @DisplayName("MQTT-3.14.4-3: a normal DISCONNECT discards the will; DISCONNECT 0x04 and a connection lost send it")
    void willOnDisconnect() {
        EmbeddedClient watcher = willWatcher();
        EmbeddedClient normal = withWill("normal");
        normal.send(Disconnect.NORMAL);
        assertThat(normal.isOpen()).isFalse();
        EmbeddedClient withWillMessage = withWill("asked");
        withWillMessage.send(new Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE));
        EmbeddedClient lost = withWill("lost");
        lost.channel.close();
        broker.runPendingTasks();
        assertThat(wills(watcher)).containsExactly("wills/asked=gone", "wills/lost=gone");
    }

    @Test
    @DisplayName("MQTT-3.14.2-2 (5.0): a DISCONNECT that sets a Session Expiry Interval after 0 on CONNECT is a "
            + "Protocol Error: DISCONNECT 0x82, and the will goes out")
    void sessionExpiryOnDisconnectAfterZero() {
        EmbeddedClient watcher = willWatcher();
        EmbeddedClient client = withWill("late");
        client.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build()));
        Disconnect d = client.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(d.properties().string(PropertyId.REASON_STRING)).startsWith("MQTT-3.14.2-2");
        assertThat(client.isOpen()).isFalse();
        broker.runPendingTasks();
        assertThat(wills(watcher)).containsExactly("wills/late=gone");
    }
}
