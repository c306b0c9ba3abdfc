package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A protocol violation after CONNECT ends the connection: in 5.0 with DISCONNECT and the reason code the violation
 * calls for (MQTT-4.13.1-1), in 3.1.1 by closing it without a byte (MQTT-4.8.0-1; 3.1.1 has no server DISCONNECT).
 * One case per violation; each runs against a fresh broker.
 */
class ProtocolViolationTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    static Stream<Arguments> violationsIn5() {
        return Stream.of(
                // Malformed Packet 0x81
                Arguments.of("MQTT-3.3.1-4: PUBLISH with QoS 3", "36 05 00 01 61 00 00", ReasonCode.MALFORMED_PACKET),
                Arguments.of("§2.1.2: reserved packet type 0", "00 00", ReasonCode.MALFORMED_PACKET),
                Arguments.of("MQTT-3.8.1-1: SUBSCRIBE with reserved flags 0000",
                        "80 09 00 01 00 00 03 61 2F 62 00", ReasonCode.MALFORMED_PACKET),
                Arguments.of("§1.5.5: a Remaining Length of five bytes", "30 FF FF FF FF 01",
                        ReasonCode.MALFORMED_PACKET),
                Arguments.of("MQTT-1.5.4-1: ill-formed UTF-8 in a topic", "30 06 00 03 61 C0 80 00",
                        ReasonCode.MALFORMED_PACKET),
                Arguments.of("MQTT-1.5.4-2: U+0000 in a topic", "30 06 00 03 61 00 62 00",
                        ReasonCode.MALFORMED_PACKET),
                // Topic Name invalid 0x90
                Arguments.of("MQTT-3.3.2-2: a wildcard in a PUBLISH topic", "30 06 00 03 61 2F 2B 00",
                        ReasonCode.TOPIC_NAME_INVALID),
                Arguments.of("MQTT-3.3.2-2: '#' in a PUBLISH topic", "30 06 00 03 61 2F 23 00",
                        ReasonCode.TOPIC_NAME_INVALID),
                // Protocol Error 0x82
                Arguments.of("MQTT-3.3.1-2: a QoS 0 PUBLISH with DUP set (it parses: a Protocol Error)",
                        "38 06 00 03 61 2F 62 00", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("MQTT-2.2.1-3: PUBLISH QoS 1 with packet identifier 0",
                        "32 08 00 03 61 2F 62 00 00 00", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("§2.2.2.2: a property twice (Payload Format Indicator)",
                        "30 0A 00 03 61 2F 62 04 01 00 01 00", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("MQTT-3.8.3-2: SUBSCRIBE without a topic filter", "82 03 00 01 00",
                        ReasonCode.PROTOCOL_ERROR),
                Arguments.of("§2.1.2: PINGRESP, which only a server sends", "D0 00", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("§3.3.2.3.4: an empty topic with a Topic Alias never set", "30 06 00 00 03 23 00 05",
                        ReasonCode.PROTOCOL_ERROR),
                Arguments.of("MQTT-3.3.4-6: a PUBLISH from the client with a Subscription Identifier",
                        "30 08 00 03 61 2F 62 02 0B 01", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("MQTT-3.14.2-2: DISCONNECT setting a Session Expiry Interval after 0 on CONNECT",
                        "E0 07 00 05 11 00 00 00 3C", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("§4.12: AUTH when CONNECT started no enhanced authentication", "F0 00",
                        ReasonCode.PROTOCOL_ERROR),
                // Topic Alias invalid 0x94
                Arguments.of("MQTT-3.3.2-8: Topic Alias 0", "30 09 00 03 61 2F 62 03 23 00 00",
                        ReasonCode.TOPIC_ALIAS_INVALID),
                Arguments.of("MQTT-3.3.2-9: a Topic Alias above the Topic Alias Maximum (64)",
                        "30 09 00 03 61 2F 62 03 23 00 41", ReasonCode.TOPIC_ALIAS_INVALID));
    }

    @ParameterizedTest(name = "5.0, {0}: DISCONNECT {2}")
    @MethodSource("violationsIn5")
    void violationIn5GetsDisconnectWithReasonCode(String violation, String hex, ReasonCode expected)
            throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).connect("violation-5");
            client.sendHex(hex);
            assertThat(client.awaitClose()).singleElement().isInstanceOfSatisfying(Disconnect.class,
                    d -> assertThat(d.reasonCode()).isEqualTo(expected));
        }
    }

    static Stream<Arguments> violationsIn311() {
        return Stream.of(
                Arguments.of("MQTT-3.3.1-4: PUBLISH with QoS 3", "36 03 00 01 61"),
                Arguments.of("§2.2: reserved packet type 0", "00 00"),
                Arguments.of("§2.2: reserved packet type 15 (AUTH exists only in 5.0)", "F0 00"),
                Arguments.of("MQTT-3.8.1-1: SUBSCRIBE with reserved flags 0000", "80 08 00 01 00 03 61 2F 62 00"),
                Arguments.of("§2.2.3: a Remaining Length of five bytes", "30 FF FF FF FF 01"),
                Arguments.of("MQTT-1.5.3-1: ill-formed UTF-8 in a topic", "30 05 00 03 61 C0 80"),
                Arguments.of("MQTT-1.5.3-2: U+0000 in a topic", "30 05 00 03 61 00 62"),
                Arguments.of("MQTT-3.3.2-2: a wildcard in a PUBLISH topic", "30 05 00 03 61 2F 2B"),
                Arguments.of("MQTT-2.3.1-1: PUBLISH QoS 1 with packet identifier 0", "32 07 00 03 61 2F 62 00 00"),
                Arguments.of("MQTT-3.8.3-3: SUBSCRIBE without a topic filter", "82 02 00 01"),
                Arguments.of("MQTT-3.8.3-4: SUBSCRIBE asking QoS 3", "82 08 00 01 00 03 61 2F 62 03"),
                Arguments.of("§2.2.1: PINGRESP, which only a server sends", "D0 00"));
    }

    @ParameterizedTest(name = "3.1.1, {0}: closed without a byte")
    @MethodSource("violationsIn311")
    void violationIn311IsClosedWithoutDisconnect(String violation, String hex) throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1_1, "violation-311");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            wire.sendHex(hex);
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    static Stream<Arguments> badConnectsIn5() {
        return Stream.of(
                Arguments.of("MQTT-3.1.2-3: the reserved connect flag set",
                        "10 0E 00 04 4D 51 54 54 05 03 00 00 00 00 01 61", ReasonCode.MALFORMED_PACKET),
                Arguments.of("§3.1.2.11.3: Receive Maximum 0",
                        "10 11 00 04 4D 51 54 54 05 02 00 00 03 21 00 00 00 01 61", ReasonCode.PROTOCOL_ERROR),
                Arguments.of("§2.2.2.2: Session Expiry Interval twice",
                        "10 18 00 04 4D 51 54 54 05 02 00 00 0A 11 00 00 00 0A 11 00 00 00 0A 00 01 61",
                        ReasonCode.PROTOCOL_ERROR),
                Arguments.of("MQTT-3.1.3-11: a wildcard in the will topic",
                        "10 16 00 04 4D 51 54 54 05 06 00 00 00 00 01 61 00 00 03 61 2F 23 00 00",
                        ReasonCode.TOPIC_NAME_INVALID));
    }

    @ParameterizedTest(name = "5.0 CONNECT with {0}: CONNACK {2}, then the close")
    @MethodSource("badConnectsIn5")
    @DisplayName("MQTT-4.13.1-1 (5.0): an error in CONNECT is answered with CONNACK and its reason code")
    void badConnectIn5GetsConnAckWithReasonCode(String violation, String hex, ReasonCode expected) throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).sendHex(hex);
            assertThat(client.awaitClose()).singleElement().isInstanceOfSatisfying(ConnAck.class, ack -> {
                assertThat(ack.reasonCode()).isEqualTo(expected);
                assertThat(ack.sessionPresent()).isFalse(); // MQTT-3.2.2-6
            });
        }
    }

    @ParameterizedTest(name = "3.1.1 CONNECT with {0}: closed without a byte")
    @ValueSource(strings = {
        "10 0D 00 04 4D 51 54 54 04 03 00 00 00 01 61", // MQTT-3.1.2-3: the reserved flag
        "10 0D 00 04 4D 51 54 54 04 42 00 00 00 01 61", // MQTT-3.1.2-22: a password without a user name
        "10 0D 00 04 4D 51 54 54 04 12 00 00 00 01 61", // MQTT-3.1.2-13: will QoS without the will flag
    })
    @DisplayName("MQTT-3.1.4-1 (3.1.1): a CONNECT that breaks the rules is closed without CONNACK")
    void badConnectIn311IsClosed(String hex) throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex(hex);
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.14.2-3 (5.0): the DISCONNECT leaves its Reason String out when it would exceed the client's Maximum Packet Size")
    void disconnectFitsTheClientsMaximumPacketSize() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            // 16 bytes: room for the CONNACK without its optional parts (MQTT-3.1.2-24), not for a Reason String.
            client.connect(new Connect(MqttVersion.MQTT_5, "violation-small", true, 0, null, null, null,
                    MqttProperties.builder().add(PropertyId.MAXIMUM_PACKET_SIZE, 16).build()));
            client.sendHex("30 06 00 03 61 2F 2B 00"); // a wildcard in a PUBLISH topic
            assertThat(client.awaitClose()).singleElement().isInstanceOfSatisfying(Disconnect.class, d -> {
                assertThat(d.reasonCode()).isEqualTo(ReasonCode.TOPIC_NAME_INVALID);
                assertThat(d.properties().contains(PropertyId.REASON_STRING)).isFalse();
            });
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-19 (5.0): a refusing CONNACK leaves its Reason String out when it would exceed the client's Maximum Packet Size")
    void refusalFitsTheClientsMaximumPacketSize() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).send(new Connect(MqttVersion.MQTT_5, "violation-small-connack", true,
                    0, null, null, null, MqttProperties.builder()
                    .add(PropertyId.MAXIMUM_PACKET_SIZE, 8)
                    .add(PropertyId.AUTHENTICATION_METHOD, "NO-SUCH-METHOD").build()));
            assertThat(client.awaitClose()).singleElement().isInstanceOfSatisfying(ConnAck.class, ack -> {
                assertThat(ack.reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
                assertThat(ack.properties().contains(PropertyId.REASON_STRING)).isFalse();
            });
        }
    }

    @Test
    @DisplayName("5.0: with room for it, the DISCONNECT for a violation carries a Reason String saying what was wrong")
    void disconnectCarriesAReasonString() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).connect("violation-reason");
            client.sendHex("30 06 00 03 61 2F 2B 00");
            assertThat(client.awaitClose()).singleElement().isInstanceOfSatisfying(Disconnect.class,
                    d -> assertThat(d.properties().string(PropertyId.REASON_STRING)).isNotBlank());
        }
    }
}
