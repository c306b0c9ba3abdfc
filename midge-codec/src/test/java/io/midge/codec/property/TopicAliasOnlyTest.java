package io.midge.codec.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Alias-only properties")
class TopicAliasOnlyTest {

    @Test
    @DisplayName("one shared instance per alias, holding that Topic Alias and nothing else, for every alias 1-65535")
    void oneInstancePerAlias() {
        for (int alias : new int[] {1, 255, 256, 300, 65535}) {
            MqttProperties p = TopicAliasOnly.of(alias);
            assertThat(p).isSameAs(TopicAliasOnly.of(alias))
                    .isEqualTo(MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, alias).build());
            assertThat(p.size()).isEqualTo(1);
        }
        assertThat(TopicAliasOnly.of(1)).isNotEqualTo(TopicAliasOnly.of(2));
    }

    @Test
    @DisplayName("MQTT-3.3.2-8: no alias 0, and none above 65535 (a Two Byte Integer)")
    void range() {
        assertThatThrownBy(() -> TopicAliasOnly.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicAliasOnly.of(65536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("without(...) keeps these properties when none is named, and gives EMPTY when nothing is left")
    void withoutCopiesOnlyWhatRemains() {
        MqttProperties two = MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, 3)
                .add(PropertyId.CONTENT_TYPE, "text").build();
        assertThat(TopicAliasOnly.of(3).without(PropertyId.TOPIC_ALIAS)).isSameAs(MqttProperties.EMPTY);
        assertThat(two.without(PropertyId.SUBSCRIPTION_IDENTIFIER)).isSameAs(two);
        assertThat(two.without(PropertyId.TOPIC_ALIAS).asList())
                .containsExactly(new MqttProperties.Property(PropertyId.CONTENT_TYPE, "text"));
    }

    @Test
    @DisplayName("with(p) gives these properties and p last, leaving these as they were")
    void withAddsLast() {
        MqttProperties own = MqttProperties.builder().userProperty("k", "v").build();
        MqttProperties more = own.with(TopicAliasOnly.of(9).get(0));
        assertThat(more).isEqualTo(MqttProperties.builder().userProperty("k", "v").add(PropertyId.TOPIC_ALIAS, 9)
                .build());
        assertThat(own.size()).isEqualTo(1);
    }
}
