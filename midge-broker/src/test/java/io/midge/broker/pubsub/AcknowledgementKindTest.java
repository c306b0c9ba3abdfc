package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.Connect;
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
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An acknowledgement of the wrong kind for a packet identifier the broker has in flight towards the client breaks
 * the QoS flow (MQTT 5.0 section 4.3, "an unexpected packet" is a Protocol Error; 3.1.1 MQTT-4.8.0-1): 5.0 gets
 * DISCONNECT 0x82, 3.1.1 a closed connection. Left alone, the send would stay in flight for good, and with Receive
 * Maximum 1 nothing more would reach the client. An identifier that is not in flight is tolerated.
 */
class AcknowledgementKindTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    private static final Duration QUIET = Duration.ofMillis(300);

    /** A wrong acknowledgement: the QoS of the send, whether PUBREC was answered first, the packet sent. */
    static Stream<Arguments> wrongKinds() {
        IntFunction<MqttPacket> pubAck = PubAck::new;
        IntFunction<MqttPacket> pubRec = PubRec::new;
        IntFunction<MqttPacket> pubComp = PubComp::new;
        return Stream.of(MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1).flatMap(v -> Stream.of(
                Arguments.of(v, "PUBCOMP for a QoS 1 send", 1, false, pubComp),
                Arguments.of(v, "PUBREC for a QoS 1 send", 1, false, pubRec),
                Arguments.of(v, "PUBACK where PUBREC is due", 2, false, pubAck),
                Arguments.of(v, "PUBCOMP where PUBREC is due", 2, false, pubComp),
                Arguments.of(v, "PUBACK after PUBREL", 2, true, pubAck)));
    }

    @ParameterizedTest(name = "§4.3 / MQTT-4.8.0-1 ({0}): {1} ends the connection")
    @MethodSource("wrongKinds")
    void aWrongAcknowledgementEndsTheConnection(MqttVersion version, String what, int qos, boolean pubRecFirst,
                                                IntFunction<MqttPacket> wrong) throws Exception {
        try (RawClient sub = connect(version, "ack-kind-sub", 1); RawClient pub = connect(version, "ack-kind-pub", 0)) {
            subscribe(sub, "ack/kind", qos);
            pub.send(publish("ack/kind", 2, 1, "one"));
            Publish delivered = sub.receive(Publish.class);
            assertThat(delivered.qos()).isEqualTo(qos);
            if (pubRecFirst) {
                sub.send(new PubRec(delivered.packetId()));
                assertThat(sub.receive(PubRel.class).packetId()).isEqualTo(delivered.packetId());
            }
            sub.send(wrong.apply(delivered.packetId()));
            List<MqttPacket> before = sub.awaitClose();
            if (version.isV5()) {
                assertThat(before).as("what came before the close").hasSize(1);
                assertThat(((Disconnect) before.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
            } else {
                assertThat(before).as("3.1.1 has no server DISCONNECT, and no PUBREL is due").isEmpty();
            }
        }
        assertThat(broker.broker().metrics().protocolViolations.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("§4.3: acknowledgements for identifiers not in flight are tolerated; with Receive Maximum 1 the "
            + "next message still arrives, and a PUBREC for an unknown identifier gets PUBREL 0x92")
    void acknowledgementsOfNothingAreTolerated() throws Exception {
        try (RawClient sub = connect(MqttVersion.MQTT_5, "ack-none-sub", 1);
             RawClient pub = connect(MqttVersion.MQTT_5, "ack-none-pub", 0)) {
            subscribe(sub, "ack/none", 1);
            sub.send(new PubAck(77)).send(new PubComp(78)).send(new PubRec(79));
            PubRel rel = sub.receive(PubRel.class);
            assertThat(rel.packetId()).isEqualTo(79);
            assertThat(rel.reasonCode()).isEqualTo(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            for (int i = 1; i <= 3; i++) {
                pub.send(publish("ack/none", 1, i, "m" + i));
                Publish delivered = sub.receive(Publish.class);
                assertThat(payload(delivered)).isEqualTo("m" + i);
                assertThat(sub.poll(QUIET)).as("Receive Maximum 1: nothing more before PUBACK").isNull();
                sub.send(new PubAck(delivered.packetId()));
            }
        }
        assertThat(broker.broker().metrics().protocolViolations.sum()).isZero();
    }

    private RawClient connect(MqttVersion version, String id, int receiveMaximum) throws IOException {
        MqttProperties props = version.isV5() && receiveMaximum > 0
                ? MqttProperties.builder().add(PropertyId.RECEIVE_MAXIMUM, receiveMaximum).build()
                : MqttProperties.EMPTY;
        RawClient client = new RawClient(broker.port());
        client.connect(new Connect(version, id, true, 0, null, null, null, props));
        return client;
    }

    private static void subscribe(RawClient client, String filter, int qos) throws IOException {
        client.send(new Subscribe(1, List.of(new Subscription(filter, qos)), MqttProperties.EMPTY));
        assertThat(client.receive(SubAck.class).packetId()).isEqualTo(1);
    }

    private static Publish publish(String topic, int qos, int packetId, String text) {
        return new Publish(topic, qos, false, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String payload(Publish p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }
}
