package io.midge.codec.alias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.codec.MqttCodecException;
import io.midge.codec.protocol.ReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Inbound topic aliases (section 3.3.2.3.4)")
class InboundTopicAliasesTest {

    @Test
    @DisplayName("a PUBLISH with a topic and an alias sets the alias; one with an empty topic uses it")
    void setThenUse() {
        InboundTopicAliases aliases = InboundTopicAliases.inServer(10);
        assertThat(aliases.resolve("ward3/bed12/heartrate", 3)).isEqualTo("ward3/bed12/heartrate");
        assertThat(aliases.resolve("", 3)).isEqualTo("ward3/bed12/heartrate");
        assertThat(aliases.resolve("", 3)).isEqualTo("ward3/bed12/heartrate");
    }

    @Test
    @DisplayName("a topic with an alias already set replaces what it stands for")
    void reset() {
        InboundTopicAliases aliases = InboundTopicAliases.inClient(2);
        aliases.resolve("a", 1);
        aliases.resolve("b", 1);
        assertThat(aliases.resolve("", 1)).isEqualTo("b");
    }

    @Test
    @DisplayName("every alias up to the maximum works, the table growing to it")
    void upToMaximum() {
        InboundTopicAliases aliases = InboundTopicAliases.inServer(65535);
        aliases.resolve("last", 65535);
        aliases.resolve("first", 1);
        aliases.resolve("middle", 100);
        assertThat(aliases.resolve("", 65535)).isEqualTo("last");
        assertThat(aliases.resolve("", 1)).isEqualTo("first");
        assertThat(aliases.resolve("", 100)).isEqualTo("middle");
        assertThat(aliases.maximum()).isEqualTo(65535);
    }

    @Test
    @DisplayName("MQTT-3.3.2-8: alias 0 is Topic Alias invalid (0x94)")
    void zero() {
        assertRefused(() -> InboundTopicAliases.inServer(10).resolve("t", 0), ReasonCode.TOPIC_ALIAS_INVALID,
                "MQTT-3.3.2-8");
    }

    @Test
    @DisplayName("MQTT-3.3.2-9: a client's alias above the server's maximum is Topic Alias invalid (0x94)")
    void aboveServerMaximum() {
        assertRefused(() -> InboundTopicAliases.inServer(10).resolve("t", 11), ReasonCode.TOPIC_ALIAS_INVALID,
                "MQTT-3.3.2-9");
        assertRefused(() -> InboundTopicAliases.inServer(0).resolve("t", 1), ReasonCode.TOPIC_ALIAS_INVALID,
                "MQTT-3.3.2-9");
    }

    @Test
    @DisplayName("MQTT-3.3.2-11: a server's alias above the client's maximum is Topic Alias invalid (0x94)")
    void aboveClientMaximum() {
        assertRefused(() -> InboundTopicAliases.inClient(5).resolve("", 6), ReasonCode.TOPIC_ALIAS_INVALID,
                "MQTT-3.3.2-11");
    }

    @Test
    @DisplayName("an empty topic with an alias not set is a Protocol Error (0x82)")
    void unknown() {
        InboundTopicAliases aliases = InboundTopicAliases.inServer(100);
        assertRefused(() -> aliases.resolve("", 1), ReasonCode.PROTOCOL_ERROR, "§3.3.2.3.4");
        aliases.resolve("t", 1);
        assertRefused(() -> aliases.resolve("", 2), ReasonCode.PROTOCOL_ERROR, "§3.3.2.3.4");
        assertRefused(() -> aliases.resolve("", 99), ReasonCode.PROTOCOL_ERROR, "§3.3.2.3.4");
    }

    @Test
    @DisplayName("a maximum outside 0-65535 is refused when the table is made")
    void badMaximum() {
        assertThatThrownBy(() -> InboundTopicAliases.inServer(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InboundTopicAliases.inClient(65536)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(Runnable resolve, ReasonCode code, String rule) {
        assertThatThrownBy(resolve::run).isInstanceOfSatisfying(MqttCodecException.class, e -> {
            assertThat(e.reasonCode()).isEqualTo(code);
            assertThat(e.rule()).isEqualTo(rule);
        });
    }
}
