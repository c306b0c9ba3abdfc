package io.midge.codec.alias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.TopicAliasOnly;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Outbound topic aliases")
class OutboundTopicAliasesTest {

    @Test
    @DisplayName("topics get aliases 1, 2, 3 ... in the order they are assigned, and keep them")
    void firstComeFirstServed() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(3);
        assertThat(aliases.existing("a")).isZero();
        assertThat(aliases.next()).isEqualTo(1);
        aliases.assign("a", 1);
        assertThat(aliases.next()).isEqualTo(2);
        aliases.assign("b", 2);
        assertThat(aliases.existing("a")).isEqualTo(1);
        assertThat(aliases.existing("b")).isEqualTo(2);
        assertThat(aliases.existing("c")).isZero();
        assertThat(aliases.size()).isEqualTo(2);
    }

    @Test
    @DisplayName("the table stops at the other side's maximum: later topics get no alias")
    void bounded() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(2);
        aliases.assign("a", aliases.next());
        aliases.assign("b", aliases.next());
        assertThat(aliases.next()).isZero();
        assertThat(aliases.existing("c")).isZero();
        assertThat(aliases.size()).isEqualTo(2);
        assertThat(aliases.maximum()).isEqualTo(2);
    }

    @Test
    @DisplayName("with maximum 0 no alias is ever offered")
    void none() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(0);
        assertThat(aliases.next()).isZero();
        assertThat(aliases.existing("a")).isZero();
    }

    @Test
    @DisplayName("an alias offered by next() but never assigned (its PUBLISH not sent) is offered again")
    void offeredNotAssigned() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(5);
        assertThat(aliases.next()).isEqualTo(1);
        assertThat(aliases.existing("too/big")).isZero();
        assertThat(aliases.next()).isEqualTo(1);
        aliases.assign("small", 1);
        assertThat(aliases.existing("small")).isEqualTo(1);
    }

    @Test
    @DisplayName("a PUBLISH on its way that sets an alias (topic and Topic Alias) assigns it; one that uses an alias "
            + "(empty topic) or carries none assigns nothing")
    void sentAssignsWhatAPublishSets() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(5);
        aliases.sent(publish("none", MqttProperties.EMPTY));
        assertThat(aliases.size()).isZero();
        aliases.sent(publish("a", TopicAliasOnly.of(aliases.next())));
        assertThat(aliases.existing("a")).isEqualTo(1);
        aliases.sent(publish("", TopicAliasOnly.of(1)));
        assertThat(aliases.size()).isEqualTo(1);
        assertThatThrownBy(() -> aliases.sent(publish("b", TopicAliasOnly.of(3))))
                .isInstanceOf(IllegalStateException.class);
    }

    private static Publish publish(String topic, MqttProperties props) {
        return new Publish(topic, 0, false, false, 0, props, Unpooled.EMPTY_BUFFER);
    }

    @Test
    @DisplayName("assigning anything but the next alias, or a topic twice, is a bug of the caller")
    void misuse() {
        OutboundTopicAliases aliases = new OutboundTopicAliases(5);
        assertThatThrownBy(() -> aliases.assign("a", 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> aliases.assign("a", 0)).isInstanceOf(IllegalStateException.class);
        aliases.assign("a", 1);
        assertThatThrownBy(() -> aliases.assign("a", 2)).isInstanceOf(IllegalStateException.class);
        OutboundTopicAliases full = new OutboundTopicAliases(0);
        assertThatThrownBy(() -> full.assign("a", 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new OutboundTopicAliases(65536)).isInstanceOf(IllegalArgumentException.class);
    }
}
