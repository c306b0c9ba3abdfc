package io.midge.broker.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * The topic aliases the broker sets towards a 5.0 client that allows some (its Topic Alias Maximum): the first
 * PUBLISH on a topic carries the topic and a new alias, later ones only the alias, which saves the topic's bytes on
 * every message. Aliases are handed out first come, first served, until the client's maximum is reached.
 */
final class OutboundTopicAliases {
    private final int maximum;
    private final Map<String, Integer> aliases = new HashMap<>();

    OutboundTopicAliases(int maximum) {
        this.maximum = maximum;
    }

    /** The alias already sent for this topic, or 0. */
    int existing(String topic) {
        return aliases.getOrDefault(topic, 0);
    }

    /** The alias a new topic would get, or 0 when none is left; it counts only once {@link #assign}ed. */
    int next() {
        return aliases.size() < maximum ? aliases.size() + 1 : 0;
    }

    /** Records an alias once the PUBLISH that sets it is on its way. */
    void assign(String topic, int alias) {
        aliases.put(topic, alias);
    }
}
