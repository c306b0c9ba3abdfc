package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.assertProtocolError;
import static io.midge.codec.Decoding.assertRejected;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.freshServer;
import static io.midge.codec.Decoding.server5;
import static io.midge.codec.Decoding.withPublish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.TopicAliasOnly;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 properties (section 2.2.2). Most cases use a QoS 0 PUBLISH to topic "t" without payload,
 * {@code 30 <4+n> | 00 01 74 | <n> | <n bytes of properties>}, or a CONNECT,
 * {@code 10 <14+n> | 00 04 "MQTT" | 05 | 02 | 00 3C | <n> | <properties> | 00 01 63}.
 */
@DisplayName("MQTT 5 properties")
class PropertyValidationTest {

    @Nested
    @DisplayName("identifiers")
    class Identifiers {
        @Test
        @DisplayName("§2.2.2.2: an unknown property identifier (0x7F, 0x00, 0x80) is malformed (0x81)")
        void unknownIdentifier() {
            assertMalformed(server5(), "30 06 | 00 01 74 | 02 7F 00", "§2.2.2.2");
            assertMalformed(server5(), "30 05 | 00 01 74 | 01 00", "§2.2.2.2");
            assertMalformed(client5(), "30 06 | 00 01 74 | 02 80 01", "§2.2.2.2"); // 128, a two-byte identifier
            assertMalformed(client5(), "40 06 | 00 01 | 00 | 02 2B 00", "§2.2.2.2"); // 0x2B, just past the last
        }

        @Test
        @DisplayName("§2.2.2.2: Topic Alias in CONNECT is not allowed there: malformed (0x81)")
        void topicAliasInConnect() {
            assertMalformed(freshServer(), "10 11 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 03 23 00 01 | 00 01 63",
                    "§2.2.2.2");
        }

        @Test
        @DisplayName("§2.2.2.2: Server Keep Alive in PUBLISH is not allowed there: malformed (0x81)")
        void serverKeepAliveInPublish() {
            assertMalformed(server5(), "30 07 | 00 01 74 | 03 13 00 0A", "§2.2.2.2");
        }

        @Test
        @DisplayName("§2.2.2.2: Will Delay Interval outside the will properties is malformed (0x81)")
        void willDelayIntervalOutsideWill() {
            assertMalformed(freshServer(),
                    "10 13 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 05 18 00 00 00 0A | 00 01 63", "§2.2.2.2");
            assertMalformed(server5(), "30 09 | 00 01 74 | 05 18 00 00 00 0A", "§2.2.2.2");
        }

        @Test
        @DisplayName("§3.1.3.2: Will Delay Interval in the will properties is accepted")
        void willDelayIntervalInWill() {
            // Flags 0x06: clean start, will QoS 0. Will properties: Will Delay Interval 10. Will "w" = "x".
            assertThat(decode(freshServer(), "10 1A | 00 04 4D 51 54 54 | 05 | 06 | 00 3C | 00 | 00 01 63 | "
                    + "05 18 00 00 00 0A | 00 01 77 | 00 01 78"))
                    .isInstanceOfSatisfying(Connect.class, c -> assertThat(
                            c.will().properties().number(PropertyId.WILL_DELAY_INTERVAL)).hasValue(10));
        }

        @Test
        @DisplayName("§2.2.2.2: properties of other packets in the will, and in SUBACK/UNSUBSCRIBE, are malformed")
        void otherMisplacedProperties() {
            // Session Expiry Interval in the will properties.
            assertMalformed(freshServer(), "10 1A | 00 04 4D 51 54 54 | 05 | 06 | 00 3C | 00 | 00 01 63 | "
                    + "05 11 00 00 00 0A | 00 01 77 | 00 01 78", "§2.2.2.2");
            // Reason String in PUBLISH; Subscription Identifier in UNSUBSCRIBE.
            assertMalformed(server5(), "30 08 | 00 01 74 | 04 1F 00 01 78", "§2.2.2.2");
            assertMalformed(server5(), "A2 08 | 00 01 | 02 0B 01 | 00 01 74", "§2.2.2.2");
        }
    }

    @Nested
    @DisplayName("repetition")
    class Repetition {
        @Test
        @DisplayName("§3.3.2.3.3: Message Expiry Interval twice in PUBLISH is a protocol error (0x82)")
        void messageExpiryIntervalTwice() {
            assertProtocolError(server5(), "30 0E | 00 01 74 | 0A 02 00 00 00 0A 02 00 00 00 0B", "§2.2.2.2");
        }

        @Test
        @DisplayName("§3.1.2.11.3: Receive Maximum twice in CONNECT is a protocol error (0x82)")
        void receiveMaximumTwice() {
            assertProtocolError(freshServer(),
                    "10 14 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 06 21 00 0A 21 00 0B | 00 01 63", "§2.2.2.2");
        }

        @Test
        @DisplayName("§3.3.2.3.7: User Property twice (even with the same name) is accepted, in order")
        void userPropertyTwice() {
            withPublish(server5(), "30 12 | 00 01 74 | 0E 26 00 01 61 00 01 31 26 00 01 61 00 01 32",
                    p -> assertThat(p.properties().userProperties())
                            .containsExactly(new UserProperty("a", "1"), new UserProperty("a", "2")));
        }

        @Test
        @DisplayName("§3.3.2.3.8: Subscription Identifier twice in a PUBLISH to a client is accepted")
        void subscriptionIdentifierTwiceInPublishToClient() {
            // Identifiers 1 and 128 (a two-byte Variable Byte Integer).
            withPublish(client5(), "30 09 | 00 01 74 | 05 0B 01 0B 80 01",
                    p -> assertThat(p.properties().subscriptionIdentifiers()).containsExactly(1L, 128L));
        }

        @Test
        @DisplayName("§3.8.2.1.2: Subscription Identifier twice in SUBSCRIBE is a protocol error (0x82)")
        void subscriptionIdentifierTwiceInSubscribe() {
            assertProtocolError(server5(), "82 0B | 00 01 | 04 0B 01 0B 02 | 00 01 74 00", "§2.2.2.2");
            assertThat(decode(server5(), "82 09 | 00 01 | 02 0B 05 | 00 01 74 00"))
                    .isInstanceOfSatisfying(Subscribe.class, s -> assertThat(
                            s.properties().subscriptionIdentifiers()).containsExactly(5L));
        }
    }

    @Nested
    @DisplayName("property length")
    class PropertyLength {
        @Test
        @DisplayName("§2.2.2.1: a property length that overruns the packet is malformed (0x81)")
        void propertyLengthOverrunsPacket() {
            assertMalformed(server5(), "30 05 | 00 01 74 | 05 01", "§2.2.2.1");
            assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 7F | 00 01 63",
                    "§2.2.2.1");
            assertMalformed(client5(), "40 04 | 00 01 | 00 | 02", "§2.2.2.1");
        }

        @Test
        @DisplayName("§2.1.4: a property value that overruns the property length is malformed (0x81)")
        void propertyValueOverrunsSection() {
            // Property length 2, but Message Expiry Interval takes 4 bytes; the packet itself has enough.
            assertMalformed(server5(), "30 0A | 00 01 74 | 02 02 00 00 00 00 | 78", "§2.1.4");
            // Property length 1: the section ends after the User Property's identifier, before its name.
            assertMalformed(server5(), "30 0B | 00 01 74 | 01 26 00 01 61 00 01 62", "§2.1.4");
        }

        @Test
        @DisplayName("MQTT-1.5.5-1: a property length not encoded in the fewest bytes is malformed (0x81)")
        void nonMinimalPropertyLength() {
            assertMalformed(server5(), "30 06 | 00 01 74 | 80 00 | 78", "MQTT-1.5.5-1");
        }
    }

    @Nested
    @DisplayName("values")
    class Values {
        @Test
        @DisplayName("§3.1.2.11.3: Receive Maximum 0 is a protocol error (0x82)")
        void receiveMaximumZero() {
            assertProtocolError(freshServer(),
                    "10 11 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 03 21 00 00 | 00 01 63", "§3.1.2.11.3");
            assertProtocolError(client5(), "20 06 | 00 | 00 | 03 21 00 00", "§3.1.2.11.3");
        }

        @Test
        @DisplayName("§3.1.2.11.4: Maximum Packet Size 0 is a protocol error (0x82)")
        void maximumPacketSizeZero() {
            assertProtocolError(freshServer(),
                    "10 13 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 05 27 00 00 00 00 | 00 01 63", "§3.1.2.11.4");
        }

        @Test
        @DisplayName("MQTT-3.3.2-8: Topic Alias 0 is refused with Topic Alias invalid (0x94)")
        void topicAliasZero() {
            assertRejected(server5(), "30 07 | 00 01 74 | 03 23 00 00", ReasonCode.TOPIC_ALIAS_INVALID,
                    "MQTT-3.3.2-8");
            assertRejected(client5(), "30 06 | 00 00 | 03 23 00 00", ReasonCode.TOPIC_ALIAS_INVALID,
                    "MQTT-3.3.2-8");
        }

        @Test
        @DisplayName("§3.3.2.3.4: a PUBLISH with an empty topic and only a Topic Alias decodes to the alias's "
                + "shared properties, the same as one built; with a topic too, or beside other properties, alike")
        void aliasOnlyProperties() {
            for (MqttDecoder decoder : List.of(server5(), client5())) {
                withPublish(decoder, "30 07 | 00 00 | 03 23 01 2C | 78", p -> {
                    assertThat(p.topic()).isEmpty();
                    assertThat(p.properties()).isSameAs(TopicAliasOnly.of(300))
                            .isEqualTo(MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, 300).build());
                });
            }
            withPublish(server5(), "30 08 | 00 01 74 | 03 23 FF FF | 78",
                    p -> assertThat(p.properties()).isSameAs(TopicAliasOnly.of(65535)));
            withPublish(server5(), "30 09 | 00 00 | 05 23 00 02 01 01 | 78",
                    p -> assertThat(p.properties()).isEqualTo(MqttProperties.builder()
                            .add(PropertyId.TOPIC_ALIAS, 2).add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1).build()));
        }

        @Test
        @DisplayName("§3.8.2.1.2: Subscription Identifier 0 in SUBSCRIBE is a protocol error (0x82)")
        void subscriptionIdentifierZero() {
            assertProtocolError(server5(), "82 09 | 00 01 | 02 0B 00 | 00 01 74 00", "§3.8.2.1.2");
        }

        @Test
        @DisplayName("§3.3.2.3.8: Subscription Identifier 0 in a PUBLISH to a client is a protocol error (0x82)")
        void subscriptionIdentifierZeroInPublish() {
            assertProtocolError(client5(), "30 06 | 00 01 74 | 02 0B 00", "§3.3.2.3.8");
        }

        @Test
        @DisplayName("§3.3.2.3.2: Payload Format Indicator 2 is a protocol error (0x82)")
        void payloadFormatIndicatorTwo() {
            assertProtocolError(server5(), "30 06 | 00 01 74 | 02 01 02", "§3.3.2.3.2");
        }

        @Test
        @DisplayName("§3.1.2.11.7: Request Problem Information 2 is a protocol error (0x82)")
        void requestProblemInformationTwo() {
            assertProtocolError(freshServer(),
                    "10 10 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 02 17 02 | 00 01 63", "§3.1.2.11.7");
        }

        @Test
        @DisplayName("§3.1.2.11.6: Request Response Information 2 is a protocol error (0x82)")
        void requestResponseInformationTwo() {
            assertProtocolError(freshServer(),
                    "10 10 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 02 19 02 | 00 01 63", "§3.1.2.11.6");
        }

        @Test
        @DisplayName("§3.2.2.3.4: Maximum QoS 2 in CONNACK is a protocol error (0x82)")
        void maximumQosTwo() {
            assertProtocolError(client5(), "20 05 | 00 | 00 | 02 24 02", "§3.2.2.3.4");
        }

        @Test
        @DisplayName("§2.2.2.2: the smallest valid values (Receive Maximum 1, Topic Alias 1, ...) are accepted")
        void smallestValidValues() {
            // Receive Maximum 1, Maximum Packet Size 1, Request Problem Information 0.
            assertThat(decode(freshServer(), "10 18 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | "
                    + "0A 21 00 01 27 00 00 00 01 17 00 | 00 01 63"))
                    .isInstanceOfSatisfying(Connect.class, c -> {
                        assertThat(c.properties().number(PropertyId.RECEIVE_MAXIMUM)).hasValue(1);
                        assertThat(c.properties().number(PropertyId.MAXIMUM_PACKET_SIZE)).hasValue(1);
                        assertThat(c.properties().number(PropertyId.REQUEST_PROBLEM_INFORMATION)).hasValue(0);
                    });
            // Topic Alias 65535, Payload Format Indicator 1, Subscription Identifier 268,435,455 (to a client).
            withPublish(client5(), "30 0E | 00 01 74 | 0A 23 FF FF 01 01 0B FF FF FF 7F", p -> {
                assertThat(p.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(65535);
                assertThat(p.properties().number(PropertyId.PAYLOAD_FORMAT_INDICATOR)).hasValue(1);
                assertThat(p.properties().subscriptionIdentifiers()).containsExactly(268_435_455L);
            });
        }
    }

    @Nested
    @DisplayName("rules between properties and packets")
    class Combinations {
        @Test
        @DisplayName("§3.1.2.11.10: Authentication Data without Authentication Method is a protocol error (0x82)")
        void authenticationDataWithoutMethod() {
            assertProtocolError(freshServer(),
                    "10 12 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 04 16 00 01 FF | 00 01 63", "§3.1.2.11.10");
        }

        @Test
        @DisplayName("§3.1.2.11.9: Authentication Data with an Authentication Method is accepted")
        void authenticationDataWithMethod() {
            assertThat(decode(freshServer(),
                    "10 16 | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 08 15 00 01 6D 16 00 01 FF | 00 01 63"))
                    .isInstanceOfSatisfying(Connect.class, c -> {
                        assertThat(c.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo("m");
                        assertThat(c.properties().binary(PropertyId.AUTHENTICATION_DATA))
                                .isEqualTo(Binary.of(new byte[] {(byte) 0xFF}));
                    });
        }

        @Test
        @DisplayName("MQTT-3.3.4-6: a Subscription Identifier in a PUBLISH from a client is a protocol error (0x82)")
        void subscriptionIdentifierFromClient() {
            assertProtocolError(server5(), "30 06 | 00 01 74 | 02 0B 01", "MQTT-3.3.4-6");
        }

        @Test
        @DisplayName("MQTT-3.3.2-14: a wildcard in the Response Topic is a protocol error (0x82)")
        void wildcardInResponseTopic() {
            assertProtocolError(server5(), "30 08 | 00 01 74 | 04 08 00 01 23", "MQTT-3.3.2-14");
            assertProtocolError(client5(), "30 0A | 00 01 74 | 06 08 00 03 61 2F 2B", "MQTT-3.3.2-14");
            // In the will properties of CONNECT.
            assertProtocolError(freshServer(), "10 19 | 00 04 4D 51 54 54 | 05 | 06 | 00 3C | 00 | 00 01 63 | "
                    + "04 08 00 01 23 | 00 01 77 | 00 01 78", "MQTT-3.3.2-14");
        }

        @Test
        @DisplayName("MQTT-3.3.2-13: a Response Topic without wildcards is accepted")
        void validResponseTopic() {
            withPublish(server5(), "30 0A | 00 01 74 | 06 08 00 03 61 2F 62",
                    p -> assertThat(p.properties().string(PropertyId.RESPONSE_TOPIC)).isEqualTo("a/b"));
        }
    }
}
