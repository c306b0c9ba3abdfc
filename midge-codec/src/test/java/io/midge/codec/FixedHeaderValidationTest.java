package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.assertProtocolError;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.freshServer;
import static io.midge.codec.Decoding.server311;
import static io.midge.codec.Decoding.server5;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The first byte of a packet: its type, the reserved flags, the PUBLISH flags, and who may send it. */
@DisplayName("Fixed header")
class FixedHeaderValidationTest {

    @Nested
    @DisplayName("reserved flags")
    class ReservedFlags {
        @Test
        @DisplayName("MQTT-3.8.1-1: SUBSCRIBE with flags 0000 instead of 0010 is malformed (0x81)")
        void subscribeWithoutFlag0010() {
            // 3.1.1 SUBSCRIBE id 1, filter "t", QoS 0, but first byte 0x80 rather than 0x82.
            assertMalformed(server311(), "80 06 | 00 01 | 00 01 74 | 00", "MQTT-3.8.1-1");
            assertMalformed(server5(), "8A 07 | 00 01 | 00 | 00 01 74 | 00", "MQTT-3.8.1-1");
        }

        @Test
        @DisplayName("MQTT-3.8.1-1: SUBSCRIBE with flags 0010 is accepted")
        void subscribeWithFlag0010() {
            assertThat(decode(server311(), "82 06 | 00 01 | 00 01 74 | 00")).isInstanceOf(Subscribe.class);
        }

        @Test
        @DisplayName("MQTT-3.10.1-1: UNSUBSCRIBE with flags 0000 instead of 0010 is malformed (0x81)")
        void unsubscribeWithoutFlag0010() {
            assertMalformed(server311(), "A0 05 | 00 01 | 00 01 74", "MQTT-3.10.1-1");
            assertMalformed(server5(), "A3 06 | 00 01 | 00 | 00 01 74", "MQTT-3.10.1-1");
        }

        @Test
        @DisplayName("MQTT-3.10.1-1: UNSUBSCRIBE with flags 0010 is accepted")
        void unsubscribeWithFlag0010() {
            assertThat(decode(server311(), "A2 05 | 00 01 | 00 01 74")).isInstanceOf(Unsubscribe.class);
        }

        @Test
        @DisplayName("MQTT-3.6.1-1: PUBREL with flags 0000 instead of 0010 is malformed (0x81), either way")
        void pubrelWithoutFlag0010() {
            assertMalformed(server311(), "60 02 | 00 01", "MQTT-3.6.1-1");
            assertMalformed(client5(), "60 02 | 00 01", "MQTT-3.6.1-1");
            assertMalformed(client311(), "66 02 | 00 01", "MQTT-3.6.1-1");
        }

        @Test
        @DisplayName("MQTT-3.6.1-1: PUBREL with flags 0010 is accepted")
        void pubrelWithFlag0010() {
            assertThat(decode(server311(), "62 02 | 00 01")).isEqualTo(new PubRel(1));
        }

        @Test
        @DisplayName("MQTT-2.1.3-1: PINGREQ 0xC1 (a reserved flag set) is malformed in 5.0 (0x81)")
        void pingreqWithFlagInV5() {
            assertMalformed(server5(), "C1 00", "MQTT-2.1.3-1");
        }

        @Test
        @DisplayName("MQTT-2.2.2-1: PINGREQ 0xC1 (a reserved flag set) is malformed in 3.1.1")
        void pingreqWithFlagInV311() {
            assertMalformed(server311(), "C1 00", "MQTT-2.2.2-1");
        }

        @Test
        @DisplayName("MQTT-2.1.3-1: PUBACK 0x42 (flags 0010, where 0000 is required) is malformed in 5.0 (0x81)")
        void pubackWithFlagInV5() {
            assertMalformed(server5(), "42 02 | 00 01", "MQTT-2.1.3-1");
            assertMalformed(client5(), "42 02 | 00 01", "MQTT-2.1.3-1");
        }

        @Test
        @DisplayName("MQTT-2.2.2-1: PUBACK 0x42 (flags 0010, where 0000 is required) is malformed in 3.1.1")
        void pubackWithFlagInV311() {
            assertMalformed(server311(), "42 02 | 00 01", "MQTT-2.2.2-1");
            assertMalformed(client311(), "42 02 | 00 01", "MQTT-2.2.2-1");
        }

        @Test
        @DisplayName("MQTT-2.1.3-1: reserved flags on CONNECT, CONNACK, DISCONNECT are malformed (0x81)")
        void otherPacketsWithFlags() {
            // CONNECT 0x18 as the first packet: the version is not known yet.
            assertMalformed(freshServer(),
                    "18 0D | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 01 63", "MQTT-2.1.3-1");
            assertMalformed(client5(), "28 03 | 00 | 00 | 00", "MQTT-2.1.3-1");
            assertMalformed(client311(), "21 02 | 00 | 00", "MQTT-2.2.2-1");
            assertMalformed(server5(), "E4 00", "MQTT-2.1.3-1");
            assertMalformed(server311(), "E1 00", "MQTT-2.2.2-1");
        }

        @Test
        @DisplayName("The reason for reserved flags reads as text, with the flags as four binary digits")
        void reservedFlagsReason() {
            // The reason becomes a DISCONNECT's Reason String: only the flags are zero-padded, never the spaces.
            assertThat(assertMalformed(server311(), "80 06 | 00 01 | 00 01 74 | 00", "MQTT-3.8.1-1").getMessage())
                    .isEqualTo("SUBSCRIBE with reserved flags 0000, not 0010 [MQTT-3.8.1-1]");
            assertThat(assertMalformed(server5(), "8A 07 | 00 01 | 00 | 00 01 74 | 00", "MQTT-3.8.1-1").getMessage())
                    .isEqualTo("SUBSCRIBE with reserved flags 1010, not 0010 [MQTT-3.8.1-1]");
            assertThat(assertMalformed(server5(), "A3 06 | 00 01 | 00 | 00 01 74", "MQTT-3.10.1-1").getMessage())
                    .isEqualTo("UNSUBSCRIBE with reserved flags 0011, not 0010 [MQTT-3.10.1-1]");
            assertThat(assertMalformed(client311(), "66 02 | 00 01", "MQTT-3.6.1-1").getMessage())
                    .isEqualTo("PUBREL with reserved flags 0110, not 0010 [MQTT-3.6.1-1]");
            assertThat(assertMalformed(server5(), "C1 00", "MQTT-2.1.3-1").getMessage())
                    .isEqualTo("PINGREQ with reserved flags 0001, not 0000 [MQTT-2.1.3-1]");
            assertThat(assertMalformed(client5(), "28 03 | 00 | 00 | 00", "MQTT-2.1.3-1").getMessage())
                    .isEqualTo("CONNACK with reserved flags 1000, not 0000 [MQTT-2.1.3-1]");
        }

        @Test
        @DisplayName("MQTT-2.1.3-1: PINGREQ 0xC0 and PUBACK 0x40 (flags 0000) are accepted")
        void zeroFlagsAccepted() {
            assertThat(decode(server5(), "C0 00")).isEqualTo(PingReq.INSTANCE);
            assertThat(decode(server311(), "40 02 | 00 07")).isEqualTo(new PubAck(7));
        }
    }

    @Nested
    @DisplayName("PUBLISH flags")
    class PublishFlags {
        @Test
        @DisplayName("MQTT-3.3.1-4: PUBLISH with QoS 3 is malformed (0x81)")
        void publishWithQos3() {
            // 0x36: QoS bits 11. Topic "t", packet id 1, payload "x".
            assertMalformed(server311(), "36 06 | 00 01 74 | 00 01 | 78", "MQTT-3.3.1-4");
            assertMalformed(server5(), "36 07 | 00 01 74 | 00 01 | 00 | 78", "MQTT-3.3.1-4");
            assertMalformed(client5(), "3F 07 | 00 01 74 | 00 01 | 00 | 78", "MQTT-3.3.1-4");
        }

        @Test
        @DisplayName("MQTT-3.3.1-2: PUBLISH with DUP set on QoS 0 parses but breaks a rule: a Protocol Error (0x82)")
        void dupOnQos0() {
            // 0x38: DUP 1, QoS 0. Topic "t", payload "x".
            assertProtocolError(server311(), "38 04 | 00 01 74 | 78", "MQTT-3.3.1-2");
            assertProtocolError(server5(), "39 05 | 00 01 74 | 00 | 78", "MQTT-3.3.1-2");
            assertProtocolError(client311(), "38 04 | 00 01 74 | 78", "MQTT-3.3.1-2");
        }

        @Test
        @DisplayName("MQTT-3.3.1-2: PUBLISH with DUP set on QoS 1 and 2 is accepted, and the flags are read")
        void dupOnQos1And2() {
            Decoding.withPublish(server311(), "3A 06 | 00 01 74 | 00 05 | 78", p -> {
                assertThat(p.dup()).isTrue();
                assertThat(p.qos()).isEqualTo(1);
                assertThat(p.retainFlag()).isFalse();
                assertThat(p.packetId()).isEqualTo(5);
            });
            Decoding.withPublish(server311(), "3D 06 | 00 01 74 | 00 06 | 78", p -> {
                assertThat(p.dup()).isTrue();
                assertThat(p.qos()).isEqualTo(2);
                assertThat(p.retainFlag()).isTrue();
            });
        }
    }

    @Nested
    @DisplayName("packet type")
    class Type {
        @Test
        @DisplayName("§2.1.2: packet type 0 is reserved: malformed (0x81)")
        void packetType0() {
            assertMalformed(freshServer(), "00 00", "§2.1.2");
            assertMalformed(server5(), "00 00", "§2.1.2");
            assertMalformed(client311(), "00 00", "§2.1.2");
            assertMalformed(client5(), "0F 02 | 00 00", "§2.1.2");
        }

        @Test
        @DisplayName("§2.1.2: packet type 15 is reserved in 3.1.1: malformed (0x81)")
        void packetType15InV311() {
            assertMalformed(server311(), "F0 00", "§2.1.2");
            assertMalformed(client311(), "F0 02 | 18 00", "§2.1.2");
        }

        @Test
        @DisplayName("§3.15: packet type 15 is AUTH in 5.0, accepted from either side")
        void packetType15InV5() {
            assertThat(decode(server5(), "F0 00")).isEqualTo(new Auth(ReasonCode.SUCCESS, MqttProperties.EMPTY));
            assertThat(decode(client5(), "F0 02 | 18 | 00")).isInstanceOfSatisfying(Auth.class,
                    auth -> assertThat(auth.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION));
        }
    }

    @Nested
    @DisplayName("order and direction")
    class Direction {
        @Test
        @DisplayName("MQTT-3.1.0-1: a first packet other than CONNECT is a protocol error (0x82)")
        void firstPacketNotConnect() {
            assertProtocolError(freshServer(), "C0 00", "MQTT-3.1.0-1");
            assertProtocolError(freshServer(), "30 04 | 00 01 74 | 78", "MQTT-3.1.0-1");
            assertProtocolError(freshServer(), "E0 00", "MQTT-3.1.0-1");
            assertThat(freshServer().version()).isNull();
        }

        @Test
        @DisplayName("MQTT-3.1.0-2: a second CONNECT is a protocol error (0x82) and keeps the first version")
        void secondConnect() {
            MqttDecoder decoder = server311();
            assertProtocolError(decoder, Decoding.CONNECT_V5, "MQTT-3.1.0-2");
            assertThat(decoder.version()).isEqualTo(MqttVersion.MQTT_3_1_1);
            assertProtocolError(server5(), Decoding.CONNECT_V5, "MQTT-3.1.0-2");
        }

        @Test
        @DisplayName("§2.1.2: a client sending CONNACK, SUBACK, UNSUBACK or PINGRESP is a protocol error (0x82)")
        void serverPacketsFromAClient() {
            assertProtocolError(server311(), "20 02 | 00 | 00", "§2.1.2");
            assertProtocolError(server5(), "20 03 | 00 | 00 | 00", "§2.1.2");
            assertProtocolError(server311(), "90 03 | 00 01 | 00", "§2.1.2");
            assertProtocolError(server311(), "B0 02 | 00 01", "§2.1.2");
            assertProtocolError(server5(), "D0 00", "§2.1.2");
        }

        @Test
        @DisplayName("§2.1.2: a server sending CONNECT, SUBSCRIBE, UNSUBSCRIBE or PINGREQ is a protocol error (0x82)")
        void clientPacketsFromAServer() {
            assertProtocolError(client311(), Decoding.CONNECT_V311, "§2.1.2");
            assertProtocolError(client5(), "82 07 | 00 01 | 00 | 00 01 74 | 00", "§2.1.2");
            assertProtocolError(client311(), "A2 05 | 00 01 | 00 01 74", "§2.1.2");
            assertProtocolError(client5(), "C0 00", "§2.1.2");
        }

        @Test
        @DisplayName("§2.1.2: a 3.1.1 server never sends DISCONNECT (0x82); a 5.0 server may")
        void disconnectFromAServer() {
            assertProtocolError(client311(), "E0 00", "§2.1.2");
            assertThat(decode(client5(), "E0 01 | 8E")).isEqualTo(new Disconnect(ReasonCode.SESSION_TAKEN_OVER));
            assertThat(decode(server311(), "E0 00")).isEqualTo(Disconnect.NORMAL);
        }
    }
}
