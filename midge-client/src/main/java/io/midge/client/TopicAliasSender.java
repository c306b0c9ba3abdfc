package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import java.util.HashMap;
import java.util.Map;

/**
 * The topic aliases of one connection towards the broker (MQTT 5.0). The first publish to a topic carries the topic
 * and a new alias while aliases remain under the broker's Topic Alias Maximum; later publishes to it carry only the
 * alias. Topics seen after every alias is taken go out in full. Starts empty on every connection, as aliases do.
 */
final class TopicAliasSender {
    /** What to put in a PUBLISH: the topic (empty when the alias stands for it) and the alias (0: none). */
    record Choice(String topic, int alias) {
    }

    private final int maximum;
    private final Map<String, Integer> aliases = new HashMap<>();
    private final MqttProperties[] aliasOnly;

    TopicAliasSender(int maximum) {
        this.maximum = maximum;
        this.aliasOnly = new MqttProperties[Math.min(maximum, 1024) + 1];
    }

    /** The properties of a PUBLISH that has no others than this alias (made once per alias, then shared). */
    MqttProperties aliasOnly(int alias) {
        if (alias >= aliasOnly.length) {
            return MqttProperties.builder().set(PropertyId.TOPIC_ALIAS, (long) alias).build();
        }
        MqttProperties p = aliasOnly[alias];
        if (p == null) {
            p = MqttProperties.builder().set(PropertyId.TOPIC_ALIAS, (long) alias).build();
            aliasOnly[alias] = p;
        }
        return p;
    }

    Choice choose(String topic) {
        if (maximum == 0) {
            return new Choice(topic, 0);
        }
        Integer alias = aliases.get(topic);
        if (alias != null) {
            return new Choice("", alias);
        }
        if (aliases.size() < maximum) {
            int fresh = aliases.size() + 1;
            aliases.put(topic, fresh);
            return new Choice(topic, fresh);
        }
        return new Choice(topic, 0);
    }

    /** Takes back a choice whose PUBLISH was not sent, so that the broker never sees an alias it was not told. */
    void undo(Choice choice) {
        if (choice.alias() != 0 && !choice.topic().isEmpty()) {
            aliases.remove(choice.topic());
        }
    }

    /** The highest alias handed out so far. */
    int highestAlias() {
        return aliases.size();
    }
}
