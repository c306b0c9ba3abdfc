package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.assertProtocolError;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.server311;
import static io.midge.codec.Decoding.server5;
import static io.midge.codec.Decoding.withPublish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Packet identifiers (5.0 section 2.2.1, 3.1.1 section 2.3.1) and the payload of SUBSCRIBE and UNSUBSCRIBE. */
@DisplayName("Packet identifiers, SUBSCRIBE and UNSUBSCRIBE")
class PacketIdentifierAndSubscribeValidationTest {

    @Nested
    @DisplayName("packet identifier 0")
    class PacketIdentifierZero {
        @Test
        @DisplayName("MQTT-2.2.1-3: a client's QoS 1 or 2 PUBLISH with packet identifier 0 is a protocol error (0x82)")
        void publishFromClientInV5() {
            assertProtocolError(server5(), "32 06 | 00 01 74 | 00 00 | 00", "MQTT-2.2.1-3");
            assertProtocolError(server5(), "34 07 | 00 01 74 | 00 00 | 00 | 78", "MQTT-2.2.1-3");
        }

        @Test
        @DisplayName("MQTT-2.2.1-4: a server's QoS 1 PUBLISH with packet identifier 0 is a protocol error (0x82)")
        void publishFromServerInV5() {
            assertProtocolError(client5(), "32 06 | 00 01 74 | 00 00 | 00", "MQTT-2.2.1-4");
        }

        @Test
        @DisplayName("MQTT-2.3.1-1: a 3.1.1 QoS 1 or 2 PUBLISH with packet identifier 0 is refused (0x82)")
        void publishInV311() {
            assertProtocolError(server311(), "32 05 | 00 01 74 | 00 00", "MQTT-2.3.1-1");
            assertProtocolError(client311(), "34 06 | 00 01 74 | 00 00 | 78", "MQTT-2.3.1-1");
        }

        @Test
        @DisplayName("MQTT-2.2.1-5: the PUBLISH flow packets with packet identifier 0 are protocol errors (0x82)")
        void publishFlowInV5() {
            assertProtocolError(server5(), "40 02 | 00 00", "MQTT-2.2.1-5");
            assertProtocolError(server5(), "50 02 | 00 00", "MQTT-2.2.1-5");
            assertProtocolError(client5(), "62 02 | 00 00", "MQTT-2.2.1-5");
            assertProtocolError(client5(), "70 03 | 00 00 | 00", "MQTT-2.2.1-5");
        }

        @Test
        @DisplayName("MQTT-2.3.1-6: a 3.1.1 PUBACK, PUBREC, PUBREL, PUBCOMP with packet identifier 0 is refused (0x82)")
        void publishFlowInV311() {
            assertProtocolError(server311(), "40 02 | 00 00", "MQTT-2.3.1-6");
            assertProtocolError(client311(), "50 02 | 00 00", "MQTT-2.3.1-6");
            assertProtocolError(server311(), "62 02 | 00 00", "MQTT-2.3.1-6");
            assertProtocolError(server311(), "70 02 | 00 00", "MQTT-2.3.1-6");
        }

        @Test
        @DisplayName("MQTT-2.2.1-3: SUBSCRIBE and UNSUBSCRIBE with packet identifier 0 are protocol errors (0x82)")
        void subscribeAndUnsubscribeInV5() {
            assertProtocolError(server5(), "82 07 | 00 00 | 00 | 00 01 74 | 00", "MQTT-2.2.1-3");
            assertProtocolError(server5(), "A2 06 | 00 00 | 00 | 00 01 74", "MQTT-2.2.1-3");
        }

        @Test
        @DisplayName("MQTT-2.3.1-1: 3.1.1 SUBSCRIBE and UNSUBSCRIBE with packet identifier 0 are refused (0x82)")
        void subscribeAndUnsubscribeInV311() {
            assertProtocolError(server311(), "82 06 | 00 00 | 00 01 74 | 00", "MQTT-2.3.1-1");
            assertProtocolError(server311(), "A2 05 | 00 00 | 00 01 74", "MQTT-2.3.1-1");
        }

        @Test
        @DisplayName("MQTT-2.2.1-6 / MQTT-2.3.1-7: SUBACK and UNSUBACK with packet identifier 0 are refused (0x82)")
        void subackAndUnsuback() {
            assertProtocolError(client5(), "90 04 | 00 00 | 00 | 00", "MQTT-2.2.1-6");
            assertProtocolError(client5(), "B0 04 | 00 00 | 00 | 00", "MQTT-2.2.1-6");
            assertProtocolError(client311(), "90 03 | 00 00 | 00", "MQTT-2.3.1-7");
            assertProtocolError(client311(), "B0 02 | 00 00", "MQTT-2.3.1-7");
        }

        @Test
        @DisplayName("MQTT-2.2.1-2: a QoS 0 PUBLISH has no packet identifier; 1 and 65535 are valid identifiers")
        void validIdentifiers() {
            // QoS 0: the two bytes after the topic are payload, not an identifier.
            withPublish(server311(), "30 05 | 00 01 74 | 00 00", p -> {
                assertThat(p.packetId()).isZero();
                assertThat(p.payload().readableBytes()).isEqualTo(2);
            });
            assertThat(decode(server311(), "40 02 | FF FF")).isEqualTo(new PubAck(65535));
            assertThat(decode(client5(), "40 02 | 00 01")).isEqualTo(new PubAck(1));
        }
    }

    @Nested
    @DisplayName("SUBSCRIBE and UNSUBSCRIBE payload")
    class Payload {
        @Test
        @DisplayName("MQTT-3.8.3-2: a 5.0 SUBSCRIBE without a topic filter is a protocol error (0x82)")
        void subscribeWithoutFilterInV5() {
            assertProtocolError(server5(), "82 03 | 00 01 | 00", "MQTT-3.8.3-2");
            // With a User Property a = b, still no filter.
            assertProtocolError(server5(), "82 0A | 00 01 | 07 26 00 01 61 00 01 62", "MQTT-3.8.3-2");
        }

        @Test
        @DisplayName("MQTT-3.8.3-3: a 3.1.1 SUBSCRIBE without a topic filter is a protocol violation (0x82)")
        void subscribeWithoutFilterInV311() {
            assertProtocolError(server311(), "82 02 | 00 01", "MQTT-3.8.3-3");
        }

        @Test
        @DisplayName("MQTT-3.10.3-2: an UNSUBSCRIBE without a topic filter is a protocol error (0x82)")
        void unsubscribeWithoutFilter() {
            assertProtocolError(server5(), "A2 03 | 00 01 | 00", "MQTT-3.10.3-2");
            assertProtocolError(server311(), "A2 02 | 00 01", "MQTT-3.10.3-2");
        }

        @Test
        @DisplayName("§2.1.4: a topic filter without its subscription options byte is malformed (0x81)")
        void missingSubscriptionOptions() {
            assertMalformed(server311(), "82 05 | 00 01 | 00 01 74", "§2.1.4");
            assertMalformed(server5(), "82 0A | 00 01 | 00 | 00 01 74 01 | 00 01 75", "§2.1.4");
        }

        @Test
        @DisplayName("MQTT-3.8.3-5: 5.0 subscription options with reserved bits 6 or 7 set are malformed (0x81)")
        void reservedOptionBitsInV5() {
            assertMalformed(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 40", "MQTT-3.8.3-5");
            assertMalformed(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 80", "MQTT-3.8.3-5");
            assertMalformed(server5(), "82 07 | 00 01 | 00 | 00 01 74 | C1", "MQTT-3.8.3-5");
        }

        @Test
        @DisplayName("MQTT-3.8.3-4: a 3.1.1 requested QoS byte with any of bits 2-7 set is malformed (0x81)")
        void reservedQosBitsInV311() {
            assertMalformed(server311(), "82 06 | 00 01 | 00 01 74 | 04", "MQTT-3.8.3-4"); // No Local is 5.0 only
            assertMalformed(server311(), "82 06 | 00 01 | 00 01 74 | 80", "MQTT-3.8.3-4");
            assertMalformed(server311(), "82 06 | 00 01 | 00 01 74 | FD", "MQTT-3.8.3-4");
        }

        @Test
        @DisplayName("§3.8.3.1: a 5.0 subscription with Maximum QoS 3 is a protocol error (0x82)")
        void qos3InV5() {
            assertProtocolError(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 03", "§3.8.3.1");
            assertProtocolError(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 2F", "§3.8.3.1");
        }

        @Test
        @DisplayName("MQTT-3.8.3-4: a 3.1.1 subscription with requested QoS 3 is malformed (0x81)")
        void qos3InV311() {
            assertMalformed(server311(), "82 06 | 00 01 | 00 01 74 | 03", "MQTT-3.8.3-4");
        }

        @Test
        @DisplayName("§3.8.3.1: Retain Handling 3 is a protocol error (0x82)")
        void retainHandling3() {
            assertProtocolError(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 30", "§3.8.3.1");
            assertProtocolError(server5(), "82 07 | 00 01 | 00 | 00 01 74 | 3D", "§3.8.3.1");
        }

        @Test
        @DisplayName("MQTT-3.8.3-4 (5.0): No Local on a shared subscription is a protocol error (0x82)")
        void noLocalOnSharedSubscription() {
            // "$share/g/x" with options 0x04 (QoS 0, No Local), then 0x05 (QoS 1, No Local).
            assertProtocolError(server5(), "82 10 | 00 01 | 00 | 00 0A 24 73 68 61 72 65 2F 67 2F 78 | 04",
                    "MQTT-3.8.3-4");
            assertProtocolError(server5(), "82 10 | 00 01 | 00 | 00 0A 24 73 68 61 72 65 2F 67 2F 78 | 05",
                    "MQTT-3.8.3-4");
        }

        @Test
        @DisplayName("§3.8.3.1: valid 5.0 options decode to QoS, No Local, Retain As Published, Retain Handling")
        void validOptionsInV5() {
            // "t" 0x2D: QoS 1, No Local, Retain As Published, Retain Handling 2;
            // "$share/g/x" 0x1A: QoS 2, Retain As Published, Retain Handling 1; "u" 0x00.
            assertThat(decode(server5(), "82 18 | 00 05 | 00 | 00 01 74 2D | "
                    + "00 0A 24 73 68 61 72 65 2F 67 2F 78 1A | 00 01 75 00"))
                    .isEqualTo(new Subscribe(5, List.of(new Subscription("t", 1, true, true, 2),
                            new Subscription("$share/g/x", 2, false, true, 1), new Subscription("u", 0)),
                            MqttProperties.EMPTY));
        }

        @Test
        @DisplayName("MQTT-3.8.3-4 (3.1.1): requested QoS 0, 1 and 2 are accepted")
        void validQosInV311() {
            assertThat(decode(server311(), "82 0E | 00 02 | 00 01 61 00 | 00 01 62 01 | 00 01 63 02"))
                    .isEqualTo(new Subscribe(2, List.of(new Subscription("a", 0), new Subscription("b", 1),
                            new Subscription("c", 2)), MqttProperties.EMPTY));
        }

        @Test
        @DisplayName("MQTT-3.9.3-2: a 3.1.1 SUBACK return code other than 0, 1, 2, 0x80 is malformed (0x81)")
        void invalidSubackReturnCodeInV311() {
            assertMalformed(client311(), "90 03 | 00 01 | 03", "MQTT-3.9.3-2");
            assertMalformed(client311(), "90 04 | 00 01 | 00 81", "MQTT-3.9.3-2");
            assertThat(decode(client311(), "90 06 | 00 01 | 00 01 02 80")).isEqualTo(new SubAck(1,
                    List.of(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_2,
                            ReasonCode.UNSPECIFIED_ERROR), MqttProperties.EMPTY));
        }

        @Test
        @DisplayName("§3.9.3 / §3.11.3: a SUBACK without a return code, a 5.0 UNSUBACK without a reason code (0x82)")
        void acknowledgementsWithoutCodes() {
            assertProtocolError(client311(), "90 02 | 00 01", "§3.9.3");
            assertProtocolError(client5(), "90 03 | 00 01 | 00", "§3.9.3");
            assertProtocolError(client5(), "B0 03 | 00 01 | 00", "§3.11.3");
        }
    }
}
