package io.midge.codec.alias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
