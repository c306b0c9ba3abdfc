package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The first packet must be CONNECT, and there is only one CONNECT per connection. */
class ConnectFirstAndOnceTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    @DisplayName("MQTT-3.1.0-1: a PUBLISH before CONNECT closes the connection without an answer")
    void publishBeforeConnectIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("30 07 00 03 61 2F 62 68 69"); // PUBLISH a/b "hi", QoS 0
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-1: a PINGREQ before CONNECT closes the connection without a PINGRESP")
    void pingBeforeConnectIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("C0 00");
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-1: something that is not MQTT at all (an HTTP request) is closed without an answer")
    void httpRequestIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("47 45 54 20 2F 20 48 54 54 50 2F 31 2E 31 0D 0A 0D 0A"); // GET / HTTP/1.1
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: a second CONNECT in 5.0 gets DISCONNECT 0x82 Protocol Error, then the close")
    void secondConnectIn5GetsProtocolError() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).connect("second-connect-5");
            client.send(new Connect(MqttVersion.MQTT_5, "second-connect-5", true, 0, null, null, null,
                    MqttProperties.EMPTY));
            List<MqttPacket> beforeClose = client.awaitClose();
            assertThat(beforeClose).hasSize(1);
            assertThat(((Disconnect) beforeClose.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: a second CONNECT in 3.1.1 closes the connection without a byte (no DISCONNECT)")
    void secondConnectIn311IsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1_1, "second-connect-311");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            wire.sendConnect(MqttVersion.MQTT_3_1_1, "second-connect-311");
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: a second CONNECT sent right behind the first, before CONNACK, is refused too")
    void secondConnectBeforeConnAckIsRefused() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            String connect = RawClient.connectHex(MqttVersion.MQTT_3_1_1, "pipelined-twice");
            wire.sendHex(connect + " " + connect); // in one write
            String answer = wire.readUntilClose();
            // Whether the first CONNACK made it out first depends on timing; nothing but it may have.
            assertThat(answer).isIn("", "20 02 00 00");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: 5.0, a second CONNECT right behind the first ends the connection with reason code 0x82")
    void secondConnectBeforeConnAckIsRefusedIn5() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Connect connect = new Connect(MqttVersion.MQTT_5, "pipelined-twice-5", true, 0, null, null, null,
                    MqttProperties.EMPTY);
            client.version(MqttVersion.MQTT_5).send(connect, connect); // in one write
            List<MqttPacket> beforeClose = client.awaitClose();
            // CONNACK 0x82 if the second CONNECT came before the first was answered, else CONNACK 0 and DISCONNECT 0x82.
            assertThat(beforeClose).isNotEmpty();
            MqttPacket last = beforeClose.get(beforeClose.size() - 1);
            ReasonCode code = last instanceof ConnAck ack ? ack.reasonCode() : ((Disconnect) last).reasonCode();
            assertThat(code).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("§3.1.4: packets a 3.1.1 client sends right behind CONNECT, before CONNACK, are processed after it")
    void packetsPipelinedBehindConnectAreProcessedIn311() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            // In one write: CONNECT, SUBSCRIBE id 7 to a/b at QoS 1, PINGREQ.
            wire.sendHex(RawClient.connectHex(MqttVersion.MQTT_3_1_1, "pipelined-311")
                    + " 82 08 00 07 00 03 61 2F 62 01" + " C0 00");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            assertThat(wire.read(5)).isEqualTo("90 03 00 07 01");
            assertThat(wire.read(2)).isEqualTo("D0 00");
        }
    }

    @Test
    @DisplayName("§3.1.4: a 5.0 client may PUBLISH and SUBSCRIBE right behind CONNECT, before CONNACK")
    void packetsPipelinedBehindConnectAreProcessedIn5() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5);
            client.send( // in one write
                    new Connect(MqttVersion.MQTT_5, "pipelined-5", true, 0, null, null, null, MqttProperties.EMPTY),
                    new Subscribe(3, List.of(new Subscription("pipelined/5", 1)), MqttProperties.EMPTY),
                    new Publish("pipelined/5", 1, false, false, 4, MqttProperties.EMPTY,
                            Unpooled.wrappedBuffer(new byte[] {42})));
            assertThat(client.receive(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(client.receive(SubAck.class).packetId()).isEqualTo(3);
            // The PUBACK and the message itself, in either order.
            List<MqttPacket> next = List.of(client.receive(), client.receive());
            assertThat(next).anySatisfy(p -> assertThat(p).isInstanceOfSatisfying(PubAck.class,
                    a -> assertThat(a.packetId()).isEqualTo(4)));
            assertThat(next).anySatisfy(p -> assertThat(p).isInstanceOfSatisfying(Publish.class,
                    m -> assertThat(m.topic()).isEqualTo("pipelined/5")));
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-5: what follows a refused CONNECT is not processed (a retained PUBLISH is not kept)")
    void packetsBehindARefusedConnectAreNotProcessed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            // A zero-length client id without clean session (refused with 0x02), then a retained PUBLISH.
            wire.sendHex("10 0C 00 04 4D 51 54 54 04 00 00 00 00 00"
                    + " 31 0B 00 07 72 65 66 75 73 65 64 68 69"); // PUBLISH "refused" "hi", retained
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 02");
        }
        try (RawClient checker = new RawClient(broker.port())) {
            checker.connect("refused-checker");
            checker.send(new Subscribe(1, List.of(new Subscription("refused", 0)), MqttProperties.EMPTY));
            checker.receive(SubAck.class);
            assertThat(checker.poll(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    @DisplayName("PINGREQ gets PINGRESP (MQTT-3.12.4-1) once connected")
    void pingGetsPingResp() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect("pinger");
            client.sendHex("C0 00");
            assertThat(client.receive()).isInstanceOf(PingResp.class);
        }
    }
}
