package io.midge.broker.cluster;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.NodeMarks;
import io.midge.codec.alias.OutboundTopicAliases;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.TopicAliasOnly;
import java.util.function.IntFunction;

/**
 * The PUBLISH a forwarding queue's delivery goes on a link as: the rest of its expiry, the mark that says what it is
 * for ({@link NodeMarks}), and a topic alias (MQTT 5.0 section 3.3.2.3.4) up to the Topic Alias Maximum the other
 * node's CONNACK gave. A link carries the same topics over and over: a repeated topic travels as two bytes, which
 * this node does not encode and the other neither decodes nor checks again (it resolves the alias to the String it
 * kept). Aliases go first come, first served, never reassigned ({@link OutboundTopicAliases}); with all taken a new
 * topic goes in full.
 *
 * <p>One per connection, made at its CONNACK: aliases die with the connection (MQTT-3.3.2-7), and what the queue
 * sends again after a reconnect sets them anew. Owned by the link's loop.
 */
final class LinkPublishes {
    private final OutboundTopicAliases aliases;
    /** The shared filter of a share group's identifier, for the queue's deliveries a group chose ({@link ShareIds}). */
    private final IntFunction<String> sharedFilters;

    /** @param topicAliasMaximum the other node's Topic Alias Maximum (0: none) */
    LinkPublishes(int topicAliasMaximum, IntFunction<String> sharedFilters) {
        this.aliases = new OutboundTopicAliases(topicAliasMaximum);
        this.sharedFilters = sharedFilters;
    }

    /**
     * The delivery's PUBLISH: an empty topic and the alias when the topic has one, the topic and a new alias when one
     * is left (it counts once {@link #sent}), else the topic alone. A message without properties of its own (most)
     * gets the alias's shared properties, so that nothing is built per message; one with some, a copy of them with
     * the shared alias property added (one array, no builder).
     */
    Publish of(Delivery delivery, int packetId, boolean dup) {
        Message m = delivery.message();
        MqttProperties props = m.properties();
        long expiry = m.remainingExpirySeconds();
        if (expiry >= 0) {
            // The other node counts the rest of the Message Expiry Interval from its arrival (MQTT-3.3.2-6).
            props = props.toBuilder().set(PropertyId.MESSAGE_EXPIRY_INTERVAL, expiry).build();
        }
        props = marked(delivery, props);
        String topic = m.topic();
        int alias = aliases.existing(topic);
        if (alias != 0) {
            topic = ""; // the other node knows the alias
        } else {
            alias = aliases.next();
        }
        if (alias != 0) {
            // The shared properties, or the message's own and the shared Topic Alias property after them.
            MqttProperties aliasOnly = TopicAliasOnly.of(alias);
            props = props.isEmpty() ? aliasOnly : props.with(aliasOnly.get(0));
        }
        return new Publish(topic, delivery.qos(), delivery.retain(), dup, packetId, props, m.payload());
    }

    /** The PUBLISH is written: an alias it sets counts from now on. */
    void sent(Publish publish) {
        aliases.sent(publish);
    }

    /**
     * The mark that tells the other node what the delivery is for ({@link NodeMarks}): one member of a share group
     * (the group's identifier names it; a message that came from a node itself is handed on once at most), a
     * retained copy for a node catching up, or plain.
     */
    private MqttProperties marked(Delivery delivery, MqttProperties props) {
        int[] ids = delivery.subscriptionIds();
        if (ids.length == 1 && ids[0] == NodeMarks.SYNC_ID) {
            return NodeMarks.marked(props, NodeMarks.SYNC, isSyncEnd(delivery) ? NodeMarks.SYNC_END : "");
        }
        if (delivery.shared()) {
            String filter = ids.length == 1 ? sharedFilters.apply(ids[0]) : null;
            boolean handedOn = NodeClientIds.isNode(delivery.message().publisherId());
            return NodeMarks.marked(props, handedOn ? NodeMarks.SHARE_LAST : NodeMarks.SHARE,
                    filter == null ? "" : filter);
        }
        long forwardId = delivery.message().forwardId();
        if (forwardId != 0) {
            return NodeMarks.marked(props, NodeMarks.PLAIN, Long.toString(forwardId));
        }
        // A publisher's own last user property that looks like a mark is not taken for one.
        return NodeMarks.of(props) == null ? props : NodeMarks.marked(props, NodeMarks.PLAIN, "");
    }

    /** The end of a retained sync's copies: RETAIN on the wire, not in the message (see RetainedCatchUp). */
    static boolean isSyncEnd(Delivery delivery) {
        int[] ids = delivery.subscriptionIds();
        return ids.length == 1 && ids[0] == NodeMarks.SYNC_ID && !delivery.message().retain();
    }
}
