package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.assertProtocolError;
import static io.midge.codec.Decoding.assertRejected;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.freshServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * CONNECT (section 3.1 of 3.1.1 and 5.0, and MQTT 3.1's MQIsdp). The variable header of the 3.1.1 packets is
 * {@code 00 04 "MQTT" | 04 | flags | 00 3C} (10 bytes); 5.0 adds a property length after the keep alive.
 */
@DisplayName("CONNECT")
class ConnectValidationTest {

    @Nested
    @DisplayName("protocol name and level")
    class ProtocolNameAndLevel {
        @Test
        @DisplayName("MQTT-3.1.2-1: a protocol name other than MQTT (or MQIsdp) is a protocol error (0x82)")
        void wrongProtocolName() {
            MqttDecoder decoder = freshServer();
            assertProtocolError(decoder, "10 0D | 00 04 4D 51 54 58 | 04 | 02 | 00 3C | 00 01 63", "MQTT-3.1.2-1");
            assertThat(decoder.version()).as("version after an unknown protocol name").isNull();
            assertProtocolError(freshServer(), "10 0D | 00 04 6D 71 74 74 | 04 | 02 | 00 3C | 00 01 63",
                    "MQTT-3.1.2-1"); // "mqtt"
            assertProtocolError(freshServer(), "10 09 | 00 00 | 04 | 02 | 00 3C | 00 01 63", "MQTT-3.1.2-1");
        }

        @Test
        @DisplayName("MQTT-3.1.2-2: an unsupported protocol level (6, 0) is refused with 0x84; version stays unknown")
        void unsupportedProtocolLevel() {
            MqttDecoder decoder = freshServer();
            assertRejected(decoder, "10 0D | 00 04 4D 51 54 54 | 06 | 02 | 00 3C | 00 01 63",
                    ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2");
            assertThat(decoder.version()).isNull();
            assertRejected(freshServer(), "10 0D | 00 04 4D 51 54 54 | 00 | 02 | 00 3C | 00 01 63",
                    ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2");
        }

        @Test
        @DisplayName("MQTT-3.1.2-2: \"MQTT\" with level 3, \"MQIsdp\" with level 4 are refused with 0x84")
        void protocolNameAndLevelMismatch() {
            MqttDecoder decoder = freshServer();
            assertRejected(decoder, "10 0D | 00 04 4D 51 54 54 | 03 | 02 | 00 3C | 00 01 63",
                    ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2");
            assertThat(decoder.version()).isNull();
            decoder = freshServer();
            assertRejected(decoder, "10 0F | 00 06 4D 51 49 73 64 70 | 04 | 02 | 00 3C | 00 01 63",
                    ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2");
            assertThat(decoder.version()).isNull();
        }

        @Test
        @DisplayName("§3.1.2.2: MQIsdp 3, MQTT 4 and MQTT 5 are accepted and set the decoder's version")
        void supportedVersions() {
            MqttDecoder v31 = freshServer();
            assertThat(decode(v31, "10 0F | 00 06 4D 51 49 73 64 70 | 03 | 02 | 00 3C | 00 01 63"))
                    .isEqualTo(new Connect(MqttVersion.MQTT_3_1, "c", true, 60, null, null, null,
                            MqttProperties.EMPTY));
            assertThat(v31.version()).isEqualTo(MqttVersion.MQTT_3_1);
            MqttDecoder v311 = freshServer();
            assertThat(decode(v311, Decoding.CONNECT_V311)).isEqualTo(new Connect(MqttVersion.MQTT_3_1_1, "c", true,
                    60, null, null, null, MqttProperties.EMPTY));
            assertThat(v311.version()).isEqualTo(MqttVersion.MQTT_3_1_1);
            MqttDecoder v5 = freshServer();
            assertThat(decode(v5, Decoding.CONNECT_V5)).isEqualTo(new Connect(MqttVersion.MQTT_5, "c", true, 60,
                    null, null, null, MqttProperties.EMPTY));
            assertThat(v5.version()).isEqualTo(MqttVersion.MQTT_5);
        }
    }

    @Nested
    @DisplayName("connect flags")
    class ConnectFlags {
        @Test
        @DisplayName("MQTT-3.1.2-3: the reserved connect flag set is malformed (0x81); the version is known by then")
        void reservedFlag() {
            MqttDecoder v311 = freshServer();
            assertMalformed(v311, "10 0D | 00 04 4D 51 54 54 | 04 | 03 | 00 3C | 00 01 63", "MQTT-3.1.2-3");
            assertThat(v311.version()).isEqualTo(MqttVersion.MQTT_3_1_1);
            MqttDecoder v5 = freshServer();
            assertMalformed(v5, "10 0E | 00 04 4D 51 54 54 | 05 | 01 | 00 3C | 00 | 00 01 63", "MQTT-3.1.2-3");
            assertThat(v5.version()).isEqualTo(MqttVersion.MQTT_5);
        }

        @Test
        @DisplayName("MQTT-3.1.2-13 (3.1.1): a will QoS without the will flag is malformed")
        void willQosWithoutWillFlagInV311() {
            assertMalformed(freshServer(), "10 0D | 00 04 4D 51 54 54 | 04 | 0A | 00 3C | 00 01 63",
                    "MQTT-3.1.2-13");
            assertMalformed(freshServer(), "10 0D | 00 04 4D 51 54 54 | 04 | 12 | 00 3C | 00 01 63",
                    "MQTT-3.1.2-13");
        }

        @Test
        @DisplayName("MQTT-3.1.2-11 (5.0): a will QoS without the will flag is malformed (0x81)")
        void willQosWithoutWillFlagInV5() {
            assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 05 | 0A | 00 3C | 00 | 00 01 63",
                    "MQTT-3.1.2-11");
            // QoS 3 without the will flag breaks this rule first.
            assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 05 | 1A | 00 3C | 00 | 00 01 63",
                    "MQTT-3.1.2-11");
        }

        @Test
        @DisplayName("MQTT-3.1.2-15 (3.1.1): will retain without the will flag is malformed")
        void willRetainWithoutWillFlagInV311() {
            assertMalformed(freshServer(), "10 0D | 00 04 4D 51 54 54 | 04 | 22 | 00 3C | 00 01 63",
                    "MQTT-3.1.2-15");
        }

        @Test
        @DisplayName("MQTT-3.1.2-13 (5.0): will retain without the will flag is malformed (0x81)")
        void willRetainWithoutWillFlagInV5() {
            assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 05 | 22 | 00 3C | 00 | 00 01 63",
                    "MQTT-3.1.2-13");
        }

        @Test
        @DisplayName("MQTT-3.1.2-14 (3.1.1): will QoS 3 is malformed")
        void willQos3InV311() {
            // Flags 0x1E: clean session, will, will QoS 3; will topic "w", will message "x".
            assertMalformed(freshServer(),
                    "10 13 | 00 04 4D 51 54 54 | 04 | 1E | 00 3C | 00 01 63 | 00 01 77 | 00 01 78", "MQTT-3.1.2-14");
        }

        @Test
        @DisplayName("MQTT-3.1.2-12 (5.0): will QoS 3 is malformed (0x81)")
        void willQos3InV5() {
            assertMalformed(freshServer(),
                    "10 15 | 00 04 4D 51 54 54 | 05 | 1E | 00 3C | 00 | 00 01 63 | 00 | 00 01 77 | 00 01 78",
                    "MQTT-3.1.2-12");
        }

        @Test
        @DisplayName("MQTT-3.1.2-22: a password without a user name is malformed in 3.1.1 (0x81)")
        void passwordWithoutUsernameInV311() {
            assertMalformed(freshServer(), "10 11 | 00 04 4D 51 54 54 | 04 | 42 | 00 3C | 00 01 63 | 00 02 70 77",
                    "MQTT-3.1.2-22");
        }

        @Test
        @DisplayName("§3.1.2.9: a password without a user name is accepted in 5.0")
        void passwordWithoutUsernameInV5() {
            assertThat(decode(freshServer(),
                    "10 12 | 00 04 4D 51 54 54 | 05 | 42 | 00 3C | 00 | 00 01 63 | 00 02 70 77"))
                    .isInstanceOfSatisfying(Connect.class, c -> {
                        assertThat(c.username()).isNull();
                        assertThat(c.password()).isEqualTo(Binary.utf8("pw"));
                    });
        }

        @Test
        @DisplayName("§3.1.2: every flag set validly (user name, password, will retain, will QoS 1) is decoded")
        void allFlagsValid() {
            // Flags 0xEE; payload: client id "c", will topic "w", will message "x", user name "u", password "pw".
            assertThat(decode(freshServer(), "10 1A | 00 04 4D 51 54 54 | 04 | EE | 00 3C | "
                    + "00 01 63 | 00 01 77 | 00 01 78 | 00 01 75 | 00 02 70 77"))
                    .isEqualTo(new Connect(MqttVersion.MQTT_3_1_1, "c", true, 60, "u", Binary.utf8("pw"),
                            new Will("w", Binary.utf8("x"), 1, true, MqttProperties.EMPTY), MqttProperties.EMPTY));
        }
    }

    @Nested
    @DisplayName("client identifier")
    class ClientIdentifier {
        @Test
        @DisplayName("MQTT-3.1.3-8: a zero-length client id with clean session 0 gets 0x85 in 3.1.1")
        void emptyClientIdWithoutCleanSessionInV311() {
            MqttDecoder decoder = freshServer();
            assertRejected(decoder, "10 0C | 00 04 4D 51 54 54 | 04 | 00 | 00 3C | 00 00",
                    ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT-3.1.3-8");
            // The broker answers with a 3.1.1 CONNACK (return code 2): it needs the version.
            assertThat(decoder.version()).isEqualTo(MqttVersion.MQTT_3_1_1);
        }

        @Test
        @DisplayName("MQTT-3.1.3-6: a zero-length client id with clean session 1 is accepted in 3.1.1")
        void emptyClientIdWithCleanSessionInV311() {
            assertThat(decode(freshServer(), "10 0C | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 00"))
                    .isInstanceOfSatisfying(Connect.class, c -> {
                        assertThat(c.clientId()).isEmpty();
                        assertThat(c.cleanStart()).isTrue();
                    });
        }

        @Test
        @DisplayName("MQTT 3.1 §3.1: a 24-character or empty client id gets 0x85 in MQTT 3.1 (MQIsdp)")
        void clientIdLengthInV31() {
            MqttDecoder decoder = freshServer();
            assertRejected(decoder, "10 26 | 00 06 4D 51 49 73 64 70 | 03 | 02 | 00 3C | 00 18 | "
                            + "61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74 75 76 77 78",
                    ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT 3.1 §3.1");
            assertThat(decoder.version()).isEqualTo(MqttVersion.MQTT_3_1);
            assertRejected(freshServer(), "10 0E | 00 06 4D 51 49 73 64 70 | 03 | 02 | 00 3C | 00 00",
                    ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT 3.1 §3.1");
        }

        @Test
        @DisplayName("MQTT 3.1 §3.1: a 23-character client id is accepted in MQTT 3.1")
        void clientIdOf23CharactersInV31() {
            assertThat(decode(freshServer(), "10 25 | 00 06 4D 51 49 73 64 70 | 03 | 02 | 00 3C | 00 17 | "
                    + "61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74 75 76 77"))
                    .isInstanceOfSatisfying(Connect.class,
                            c -> assertThat(c.clientId()).isEqualTo("abcdefghijklmnopqrstuvw"));
        }

        @Test
        @DisplayName("MQTT-3.1.3-6: a zero-length client id is accepted in 5.0, even with clean start 0")
        void emptyClientIdInV5() {
            assertThat(decode(freshServer(), "10 0D | 00 04 4D 51 54 54 | 05 | 00 | 00 3C | 00 | 00 00"))
                    .isInstanceOfSatisfying(Connect.class, c -> {
                        assertThat(c.clientId()).isEmpty();
                        assertThat(c.cleanStart()).isFalse();
                        assertThat(c.version()).isEqualTo(MqttVersion.MQTT_5);
                    });
        }
    }

    @Test
    @DisplayName("§3.1.2.2: decoder.version() is set after a CONNECT error that occurs past the protocol level")
    void versionKnownAfterLaterError() {
        // 5.0 CONNECT whose properties hold the unknown identifier 0x7F.
        MqttDecoder v5 = freshServer();
        assertMalformed(v5, "10 10 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 02 7F 00 | 00 01 63", "§2.2.2.2");
        assertThat(v5.version()).isEqualTo(MqttVersion.MQTT_5);
        // 3.1.1 CONNECT whose client identifier runs past the packet.
        MqttDecoder v311 = freshServer();
        assertMalformed(v311, "10 0C | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 05", "§2.1.4");
        assertThat(v311.version()).isEqualTo(MqttVersion.MQTT_3_1_1);
    }

    @Nested
    @DisplayName("will topic")
    class WillTopic {
        @Test
        @DisplayName("MQTT-4.7.0-1: a wildcard in the will topic is an invalid topic name (0x90)")
        void wildcardInWillTopic() {
            // Flags 0x06: clean session, will at QoS 0; client id "c", will topic "w/#", will message "x".
            assertRejected(freshServer(), "10 15 | 00 04 4D 51 54 54 | 04 | 06 | 00 3C | 00 01 63 | 00 03 77 2F 23 | 00 01 78",
                    ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.0-1");
        }

        @Test
        @DisplayName("MQTT-4.7.3-1: an empty will topic is an invalid topic name (0x90)")
        void emptyWillTopic() {
            assertRejected(freshServer(), "10 12 | 00 04 4D 51 54 54 | 04 | 06 | 00 3C | 00 01 63 | 00 00 | 00 01 78",
                    ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.3-1");
        }
    }
}
