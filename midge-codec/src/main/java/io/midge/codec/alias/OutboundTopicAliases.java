package io.midge.codec.alias;

import io.midge.codec.packet.Publish;
import io.midge.codec.property.PropertyId;
import java.util.HashMap;
import java.util.Map;

/**
 * The topic aliases a sender sets towards the other side, bounded by the Topic Alias Maximum the other side allows:
 * the first PUBLISH on a topic carries the topic and a new alias, later ones only the alias, which saves the topic's
 * bytes on every message. Aliases go first come, first served, and are never reassigned, so once all are taken
 * further topics go out in full. One table per connection, as aliases die with it; not thread-safe.
 *
 * <p>Assigning is two steps, {@link #next()} then {@link #assign}, because a PUBLISH may turn out not to be sent (over
 * the other side's Maximum Packet Size): an alias is recorded only once the PUBLISH that tells it is on its way, so
 * the other side never receives an alias it was not told.
 */
public final class OutboundTopicAliases {
    private final int maximum;
    private final Map<String, Integer> aliases = new HashMap<>();

    /** @param maximum the Topic Alias Maximum the other side sent (0: none may be used) */
    public OutboundTopicAliases(int maximum) {
        if (maximum < 0 || maximum > 65535) {
            throw new IllegalArgumentException("Topic Alias Maximum out of range 0-65535: " + maximum);
        }
        this.maximum = maximum;
    }

    /** The highest alias that may be assigned. */
    public int maximum() {
        return maximum;
    }

    /** The alias already assigned to this topic, or 0. */
    public int existing(String topic) {
        return aliases.getOrDefault(topic, 0);
    }

    /** The alias a new topic would get, or 0 when none is left; it counts only once {@link #assign}ed. */
    public int next() {
        return aliases.size() < maximum ? aliases.size() + 1 : 0;
    }

    /**
     * Records the alias {@link #next()} gave, once the PUBLISH that sets it (topic and alias) is on its way.
     *
     * @throws IllegalStateException when the alias is not the next one, or the topic has one already
     */
    public void assign(String topic, int alias) {
        if (alias == 0 || alias != next() || aliases.containsKey(topic)) {
            throw new IllegalStateException("alias " + alias + " for '" + topic + "' is not the next one: " + next());
        }
        aliases.put(topic, alias);
    }

    /**
     * The second step for a PUBLISH that is on its way: when it sets an alias (a topic and a Topic Alias), the alias
     * counts from now on; one that uses an alias (an empty topic) or has none changes nothing.
     */
    public void sent(Publish publish) {
        if (!publish.topic().isEmpty() && publish.properties().contains(PropertyId.TOPIC_ALIAS)) {
            assign(publish.topic(), (int) publish.properties().number(PropertyId.TOPIC_ALIAS, 0));
        }
    }

    /** How many aliases are assigned. */
    public int size() {
        return aliases.size();
    }
}
