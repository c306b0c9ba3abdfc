package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The connection's handler on an EmbeddedChannel: what comes first, what comes early, timeouts, pings. */
class MqttConnectionTest {
    private EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private void reconfigure(BrokerConfig config) {
        broker.close();
        broker = new EmbeddedBroker(config);
    }

    @Test
    @DisplayName("§3.1.4 (5.0): packets sent right behind CONNECT, before CONNACK, are handled after it, in order")
    void packetsBeforeConnAck() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.sendTogether(client.connectPacket("early", true, 0, MqttProperties.EMPTY),
                new Subscribe(1, List.of(new Subscription("e", 1)), MqttProperties.EMPTY),
                publish("e", 1, 2, "to myself", MqttProperties.EMPTY),
                PingReq.INSTANCE);
        List<MqttPacket> answers = client.received();
        // The client's own message comes through its session's queue, in its own time; the answers come in order.
        assertThat(answers).filteredOn(p -> !(p instanceof Publish)).extracting(p -> p.getClass().getSimpleName())
                .containsExactly("ConnAck", "SubAck", "PubAck", "PingResp");
        assertThat(answers).filteredOn(p -> p instanceof Publish).hasSize(1);
        assertThat(answers.indexOf(answers.stream().filter(p -> p instanceof Publish).findFirst().get()))
                .as("delivered after SUBACK").isGreaterThan(1);
        assertThat(((ConnAck) answers.get(0)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(answers).filteredOn(p -> p instanceof PubAck).extracting(p -> ((PubAck) p).reasonCode())
                .as("the subscription was in place").containsExactly(ReasonCode.SUCCESS);
        assertThat(client.channel.config().isAutoRead()).as("reading resumed").isTrue();
    }

    @Test
    @DisplayName("MQTT-3.1.0-1: a first packet other than CONNECT closes the connection without an answer")
    void firstPacketNotConnect() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.send(PingReq.INSTANCE);
        assertThat(client.receivedBytes()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: a second CONNECT gets DISCONNECT 0x82 in 5.0, a close without a byte in 3.1.1")
    void secondConnect() {
        EmbeddedClient v5 = broker.client(MqttVersion.MQTT_5);
        v5.connect("v5", true);
        v5.send(v5.connectPacket("v5", true, 0, MqttProperties.EMPTY));
        Disconnect d = v5.receivedOnly(Disconnect.class);
        assertThat(d.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        assertThat(d.properties().string(PropertyId.REASON_STRING)).contains("MQTT-3.1.0-2");
        assertThat(v5.isOpen()).isFalse();

        EmbeddedClient v311 = broker.client(MqttVersion.MQTT_3_1_1);
        v311.connect("v311", true);
        v311.send(v311.connectPacket("v311", true, 0, MqttProperties.EMPTY));
        assertThat(v311.receivedBytes()).isEmpty();
        assertThat(v311.isOpen()).isFalse();
    }

    @Test
    @DisplayName("§3.1.4: a connection without CONNECT within connect-timeout is closed; CONNECT in time ends the "
            + "timeout")
    void connectTimeout() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.CONNECT_TIMEOUT, 5).build());
        EmbeddedClient silent = broker.client(MqttVersion.MQTT_5);
        EmbeddedClient connected = broker.client(MqttVersion.MQTT_5);
        connected.connect("in-time", true);

        silent.channel.advanceTimeBy(4, TimeUnit.SECONDS);
        silent.channel.runScheduledPendingTasks();
        assertThat(silent.isOpen()).isTrue();
        silent.channel.advanceTimeBy(2, TimeUnit.SECONDS);
        silent.channel.runScheduledPendingTasks();
        assertThat(silent.isOpen()).isFalse();
        assertThat(silent.receivedBytes()).isEmpty();

        connected.channel.advanceTimeBy(60, TimeUnit.SECONDS);
        connected.channel.runScheduledPendingTasks();
        assertThat(connected.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.12.4-1: PINGREQ is answered PINGRESP")
    void ping() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.connect("ping", true);
        client.send(PingReq.INSTANCE);
        assertThat(client.receivedOnly(PingResp.class)).isNotNull();
    }

    @Test
    @DisplayName("MQTT-3.1.2-22 (5.0): any packet within 1.5 times the keep-alive keeps the connection open")
    void keepAliveRestartsWithEachPacket() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.connect(client.connectPacket("alive", true, 10, MqttProperties.EMPTY));
        for (int i = 0; i < 4; i++) {
            client.channel.advanceTimeBy(14, TimeUnit.SECONDS);
            client.channel.runScheduledPendingTasks();
            client.send(PingReq.INSTANCE);
            assertThat(client.receivedOnly(PingResp.class)).isNotNull();
        }
        client.channel.advanceTimeBy(16, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertThat(client.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT);
    }

    @Test
    @DisplayName("MQTT-3.2.2-15 (5.0): a packet larger than max-packet-size gets DISCONNECT 0x95, and the rest of "
            + "the stream is ignored")
    void packetTooLarge() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.MAX_PACKET_SIZE, 64).build());
        EmbeddedClient sub = broker.client(MqttVersion.MQTT_5);
        sub.connect("sub", true);
        sub.send(new Subscribe(1, List.of(new Subscription("big", 0)), MqttProperties.EMPTY));
        sub.receivedOnly(SubAck.class);

        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        assertThat(client.connect("big", true).properties().number(PropertyId.MAXIMUM_PACKET_SIZE)).hasValue(64);
        client.sendTogether(publish("big", 0, 0, "x".repeat(100), MqttProperties.EMPTY),
                publish("big", 0, 0, "small", MqttProperties.EMPTY));
        assertThat(client.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.PACKET_TOO_LARGE);
        assertThat(client.isOpen()).isFalse();
        assertThat(sub.received()).isEmpty();
        assertThat(broker.metrics.refusedPacketTooLarge.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("MQTT-4.13.1-1 (5.0): a malformed packet after CONNACK (QoS 3 PUBLISH) gets DISCONNECT 0x81")
    void malformedAfterConnAck() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.connect("m", true);
        // PUBLISH with QoS bits 11, topic "t", no properties.
        client.sendRaw(0x36, 0x04, 0x00, 0x01, 't', 0x00);
        assertThat(client.receivedOnly(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.MALFORMED_PACKET);
        assertThat(client.isOpen()).isFalse();
        assertThat(broker.metrics.protocolViolations.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("MQTT-3.1.2-23 (5.0): after the client's DISCONNECT the connection closes and a session with a "
            + "Session Expiry Interval above 0 is kept")
    void clientDisconnect() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.connect(client.connectPacket("bye", false, 0,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build()));
        client.send(Disconnect.NORMAL);
        assertThat(client.receivedBytes()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(broker.sessions.get("bye").isOnline()).isFalse();
        assertThat(broker.sessions.get("bye").isEnded()).isFalse();
    }
}
