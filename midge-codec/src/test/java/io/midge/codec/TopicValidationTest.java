package io.midge.codec;

import static io.midge.codec.Decoding.assertProtocolError;
import static io.midge.codec.Decoding.assertRejected;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.server311;
import static io.midge.codec.Decoding.server5;
import static io.midge.codec.Decoding.withPublish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Topic names in PUBLISH and topic filters in SUBSCRIBE and UNSUBSCRIBE (section 4.7, shared subscriptions 4.8.2). */
@DisplayName("Topic names and filters")
class TopicValidationTest {

    @Nested
    @DisplayName("topic names")
    class TopicNames {
        @Test
        @DisplayName("MQTT-3.3.2-2: a topic name with '+' or '#' is refused with Topic Name invalid (0x90)")
        void wildcardInTopicName() {
            assertRejected(server311(), "30 05 | 00 03 61 2F 2B", ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2");
            assertRejected(server311(), "30 03 | 00 01 23", ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2");
            assertRejected(server5(), "30 04 | 00 01 2B | 00", ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2");
            assertRejected(client5(), "30 06 | 00 03 61 2F 23 | 00", ReasonCode.TOPIC_NAME_INVALID,
                    "MQTT-3.3.2-2");
            // Inside a level: "a+b", "a#".
            assertRejected(client311(), "30 05 | 00 03 61 2B 62", ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2");
            assertRejected(client311(), "30 04 | 00 02 61 23", ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2");
        }

        @Test
        @DisplayName("§3.3.2.1: an empty topic name without a Topic Alias is a protocol error in 5.0 (0x82)")
        void emptyTopicNameWithoutAliasInV5() {
            assertProtocolError(server5(), "30 03 | 00 00 | 00", "§3.3.2.1");
            assertProtocolError(client5(), "30 05 | 00 00 | 00 | 68 69", "§3.3.2.1");
        }

        @Test
        @DisplayName("MQTT-4.7.3-1: an empty topic name is a protocol error in 3.1.1 (0x82)")
        void emptyTopicNameInV311() {
            assertProtocolError(server311(), "30 02 | 00 00", "MQTT-4.7.3-1");
            assertProtocolError(client311(), "30 04 | 00 00 | 68 69", "MQTT-4.7.3-1");
        }

        @Test
        @DisplayName("§3.3.2.3.4: an empty topic name with a Topic Alias is accepted in 5.0")
        void emptyTopicNameWithAliasInV5() {
            withPublish(server5(), "30 08 | 00 00 | 03 23 00 01 | 68 69", p -> {
                assertThat(p.topic()).isEmpty();
                assertThat(p.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(1);
            });
            withPublish(client5(), "32 09 | 00 00 | 00 0A | 03 23 01 00 | 78", p -> {
                assertThat(p.topic()).isEmpty();
                assertThat(p.properties().number(PropertyId.TOPIC_ALIAS)).hasValue(256);
            });
        }

        @Test
        @DisplayName("§4.7.1: topic names with levels, '$', spaces and empty levels are accepted")
        void validTopicNames() {
            // "/", "a//b", "$SYS/x", "a b".
            withPublish(server311(), "30 03 | 00 01 2F", p -> assertThat(p.topic()).isEqualTo("/"));
            withPublish(server311(), "30 06 | 00 04 61 2F 2F 62", p -> assertThat(p.topic()).isEqualTo("a//b"));
            withPublish(server5(), "30 09 | 00 06 24 53 59 53 2F 78 | 00",
                    p -> assertThat(p.topic()).isEqualTo("$SYS/x"));
            withPublish(client311(), "30 05 | 00 03 61 20 62", p -> assertThat(p.topic()).isEqualTo("a b"));
        }
    }

    @Nested
    @DisplayName("topic filters")
    class TopicFilters {
        @Test
        @DisplayName("MQTT-4.7.3-1: an empty topic filter is refused with Topic Filter invalid (0x8F)")
        void emptyTopicFilter() {
            assertRejected(server311(), "82 05 | 00 01 | 00 00 | 00", ReasonCode.TOPIC_FILTER_INVALID,
                    "MQTT-4.7.3-1");
            assertRejected(server5(), "82 06 | 00 01 | 00 | 00 00 | 00", ReasonCode.TOPIC_FILTER_INVALID,
                    "MQTT-4.7.3-1");
            assertRejected(server311(), "A2 04 | 00 01 | 00 00", ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.3-1");
        }

        @Test
        @DisplayName("MQTT-4.7.1-1 (5.0): '#' not the last level (sport/#/x) is refused (0x8F)")
        void hashNotLastInV5() {
            assertRejected(server5(), "82 0F | 00 01 | 00 | 00 09 73 70 6F 72 74 2F 23 2F 78 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1");
            assertRejected(server5(), "A2 0E | 00 01 | 00 | 00 09 73 70 6F 72 74 2F 23 2F 78",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1");
        }

        @Test
        @DisplayName("MQTT-4.7.1-2 (3.1.1): '#' not the last level (sport/#/x) is refused (0x8F)")
        void hashNotLastInV311() {
            assertRejected(server311(), "82 0E | 00 01 | 00 09 73 70 6F 72 74 2F 23 2F 78 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
        }

        @Test
        @DisplayName("MQTT-4.7.1-1 (5.0): '#' not alone on its level (sport#) is refused (0x8F)")
        void hashNotAloneInV5() {
            assertRejected(server5(), "82 0C | 00 01 | 00 | 00 06 73 70 6F 72 74 23 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1");
            // "#/": '#' followed by a separator.
            assertRejected(server5(), "82 08 | 00 01 | 00 | 00 02 23 2F | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1");
        }

        @Test
        @DisplayName("MQTT-4.7.1-2 (3.1.1): '#' not alone on its level (sport#) is refused (0x8F)")
        void hashNotAloneInV311() {
            assertRejected(server311(), "82 0B | 00 01 | 00 06 73 70 6F 72 74 23 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
            assertRejected(server311(), "A2 0A | 00 01 | 00 06 73 70 6F 72 74 23",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
        }

        @Test
        @DisplayName("MQTT-4.7.1-2 (5.0): '+' not alone on its level (sport+) is refused (0x8F)")
        void plusNotAloneInV5() {
            assertRejected(server5(), "82 0C | 00 01 | 00 | 00 06 73 70 6F 72 74 2B | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
            // "+x/y"
            assertRejected(server5(), "82 0A | 00 01 | 00 | 00 04 2B 78 2F 79 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
        }

        @Test
        @DisplayName("MQTT-4.7.1-3 (3.1.1): '+' not alone on its level (sport+) is refused (0x8F)")
        void plusNotAloneInV311() {
            assertRejected(server311(), "82 0B | 00 01 | 00 06 73 70 6F 72 74 2B | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-3");
            assertRejected(server311(), "A2 0A | 00 01 | 00 06 73 70 6F 72 74 2B",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-3");
        }

        @Test
        @DisplayName("§4.7.3: a bad filter after good ones refuses the whole SUBSCRIBE (0x8F)")
        void badFilterAfterGoodOnes() {
            // "a" QoS 1, "#" QoS 0, "a#" QoS 0.
            assertRejected(server311(), "82 0F | 00 01 | 00 01 61 01 | 00 01 23 00 | 00 02 61 23 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-2");
        }

        static Stream<Arguments> validFilters() {
            return Stream.of(
                    Arguments.of("#", "82 06 | 00 01 | 00 01 23 | 00"),
                    Arguments.of("+", "82 06 | 00 01 | 00 01 2B | 00"),
                    Arguments.of("sport/+/player1",
                            "82 14 | 00 01 | 00 0F 73 70 6F 72 74 2F 2B 2F 70 6C 61 79 65 72 31 | 00"),
                    Arguments.of("+/+", "82 08 | 00 01 | 00 03 2B 2F 2B | 00"),
                    Arguments.of("/+", "82 07 | 00 01 | 00 02 2F 2B | 00"),
                    Arguments.of("sport/#", "82 0C | 00 01 | 00 07 73 70 6F 72 74 2F 23 | 00"),
                    Arguments.of("+/tennis/#", "82 0F | 00 01 | 00 0A 2B 2F 74 65 6E 6E 69 73 2F 23 | 00"),
                    Arguments.of("$SYS/#", "82 0B | 00 01 | 00 06 24 53 59 53 2F 23 | 00"),
                    Arguments.of("/", "82 06 | 00 01 | 00 01 2F | 00"));
        }

        @ParameterizedTest(name = "§4.7.1: the valid topic filter {0} is accepted")
        @MethodSource("validFilters")
        void validTopicFilter(String filter, String subscribe) {
            assertThat(decode(server311(), subscribe)).isEqualTo(
                    new Subscribe(1, List.of(new Subscription(filter, 0)), MqttProperties.EMPTY));
        }

        @Test
        @DisplayName("§4.7.1: valid filters in one 5.0 SUBSCRIBE and one 3.1.1 UNSUBSCRIBE are accepted in order")
        void validFiltersTogether() {
            // 5.0 SUBSCRIBE: "#" QoS 2, "+/+" QoS 1, "sport/#" QoS 0.
            assertThat(decode(server5(), "82 17 | 00 02 | 00 | 00 01 23 02 | 00 03 2B 2F 2B 01 | "
                    + "00 07 73 70 6F 72 74 2F 23 00"))
                    .isInstanceOfSatisfying(Subscribe.class, s -> assertThat(s.subscriptions()).containsExactly(
                            new Subscription("#", 2), new Subscription("+/+", 1), new Subscription("sport/#", 0)));
            // 3.1.1 UNSUBSCRIBE: "/+", "sport/+/player1".
            assertThat(decode(server311(), "A2 17 | 00 03 | 00 02 2F 2B | "
                    + "00 0F 73 70 6F 72 74 2F 2B 2F 70 6C 61 79 65 72 31"))
                    .isInstanceOfSatisfying(Unsubscribe.class,
                            u -> assertThat(u.topicFilters()).containsExactly("/+", "sport/+/player1"));
        }
    }

    @Nested
    @DisplayName("shared subscriptions (5.0)")
    class SharedSubscriptions {
        @Test
        @DisplayName("MQTT-4.8.2-1: $share//x (an empty share name) is refused (0x8F)")
        void emptyShareName() {
            assertRejected(server5(), "82 0F | 00 01 | 00 | 00 09 24 73 68 61 72 65 2F 2F 78 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-1");
            assertRejected(server5(), "82 0D | 00 01 | 00 | 00 07 24 73 68 61 72 65 2F | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-1"); // "$share/"
            assertRejected(server5(), "A2 0E | 00 01 | 00 | 00 09 24 73 68 61 72 65 2F 2F 78",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-1");
        }

        @Test
        @DisplayName("MQTT-4.8.2-2: $share/g (no topic filter after the share name) is refused (0x8F)")
        void noFilterAfterShareName() {
            assertRejected(server5(), "82 0E | 00 01 | 00 | 00 08 24 73 68 61 72 65 2F 67 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-2");
            assertRejected(server5(), "82 0F | 00 01 | 00 | 00 09 24 73 68 61 72 65 2F 67 2F | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-2"); // "$share/g/"
        }

        @Test
        @DisplayName("MQTT-4.8.2-2: $share/g+/x (a wildcard in the share name) is refused (0x8F)")
        void wildcardInShareName() {
            assertRejected(server5(), "82 11 | 00 01 | 00 | 00 0B 24 73 68 61 72 65 2F 67 2B 2F 78 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-2");
            assertRejected(server5(), "82 0F | 00 01 | 00 | 00 09 24 73 68 61 72 65 2F 23 2F | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.8.2-2"); // "$share/#/"
        }

        @Test
        @DisplayName("MQTT-4.7.1-1: the filter after the share name follows the wildcard rules ($share/g/a#, 0x8F)")
        void invalidFilterAfterShareName() {
            assertRejected(server5(), "82 11 | 00 01 | 00 | 00 0B 24 73 68 61 72 65 2F 67 2F 61 23 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-1");
        }

        @Test
        @DisplayName("MQTT-4.8.2-1: $share/g/x/# and $share/g/+ are valid shared subscriptions")
        void validSharedSubscription() {
            assertThat(decode(server5(), "82 12 | 00 01 | 00 | 00 0C 24 73 68 61 72 65 2F 67 2F 78 2F 23 | 01"))
                    .isInstanceOfSatisfying(Subscribe.class, s -> assertThat(s.subscriptions())
                            .containsExactly(new Subscription("$share/g/x/#", 1)));
            assertThat(decode(server5(), "A2 0F | 00 01 | 00 | 00 0A 24 73 68 61 72 65 2F 67 2F 2B"))
                    .isInstanceOfSatisfying(Unsubscribe.class,
                            u -> assertThat(u.topicFilters()).containsExactly("$share/g/+"));
        }

        @Test
        @DisplayName("§4.8 (5.0 only): in 3.1.1 $share//x is an ordinary filter; $share/g+/x breaks MQTT-4.7.1-3")
        void sharePrefixInV311() {
            assertThat(decode(server311(), "82 0E | 00 01 | 00 09 24 73 68 61 72 65 2F 2F 78 | 00"))
                    .isInstanceOfSatisfying(Subscribe.class, s -> assertThat(s.subscriptions())
                            .containsExactly(new Subscription("$share//x", 0)));
            assertRejected(server311(), "82 10 | 00 01 | 00 0B 24 73 68 61 72 65 2F 67 2B 2F 78 | 00",
                    ReasonCode.TOPIC_FILTER_INVALID, "MQTT-4.7.1-3");
        }
    }
}
