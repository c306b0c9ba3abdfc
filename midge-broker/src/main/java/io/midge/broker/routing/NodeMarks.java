package io.midge.broker.routing;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;

/**
 * What a node says about a message it forwards to another node, beyond the message itself: one user property, the
 * last one of the PUBLISH on the link, named {@code $midge/...}. The receiving node reads it, takes it off before
 * the message goes anywhere, and routes the message as it says ({@link Router#route}).
 *
 * <ul>
 *   <li>none: for the node's plain subscribers (never its share groups: the publishing node chose a node per group);
 *   <li>{@link #SHARE}, the shared filter as value: for one member of that share group on the node; with no local
 *       member left, handed on to one other node that has members ({@link #SHARE_LAST});
 *   <li>{@link #SHARE_LAST}: the same, but for local members only; nobody left means dropped;
 *   <li>{@link #SYNC}: a copy of a retained message for a node that is catching up, or (value {@code end}) the end
 *       of the copies ({@link RetainedSync});
 *   <li>{@link #PLAIN}: as none; sent when the message has a {@link Message#forwardId} (its value, in decimal), or
 *       when the message's own last user property looks like a mark (empty value).
 * </ul>
 */
public final class NodeMarks {
    static final String PREFIX = "$midge/";
    public static final String SHARE = PREFIX + "share";
    public static final String SHARE_LAST = PREFIX + "share-last";
    public static final String SYNC = PREFIX + "retained-sync";
    public static final String PLAIN = PREFIX + "plain";
    /** The value of {@link #SYNC} on the message that ends a node's copies. */
    public static final String SYNC_END = "end";
    /**
     * The Subscription Identifier that marks a retained copy for a catching-up node's forwarding queue (the highest
     * one MQTT allows, which no share group's identifier takes).
     */
    public static final int SYNC_ID = 268_435_455;

    private NodeMarks() {
    }

    /** The mark of a message from a node: its last user property when named {@code $midge/...}; else null. */
    public static UserProperty of(MqttProperties properties) {
        for (int i = properties.size() - 1; i >= 0; i--) {
            MqttProperties.Property p = properties.get(i);
            if (p.id() == PropertyId.USER_PROPERTY) {
                UserProperty u = (UserProperty) p.value();
                return u.name().startsWith(PREFIX) ? u : null;
            }
        }
        return null;
    }

    /** The {@link Message#forwardId} a {@link #PLAIN} mark carries; 0 for none (or for another mark). */
    public static long forwardId(UserProperty mark) {
        if (!PLAIN.equals(mark.name()) || mark.value().isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(mark.value());
        } catch (NumberFormatException e) {
            return 0; // not ours to fail on: the message goes on without one
        }
    }

    /** The properties with a mark added last. */
    public static MqttProperties marked(MqttProperties properties, String mark, String value) {
        return properties.toBuilder().userProperty(mark, value).build();
    }

    /** The properties without their mark (the last user property), as the publisher sent them. */
    static MqttProperties unmarked(MqttProperties properties) {
        MqttProperties.Builder b = MqttProperties.builder();
        int last = -1;
        for (int i = properties.size() - 1; i >= 0 && last < 0; i--) {
            if (properties.get(i).id() == PropertyId.USER_PROPERTY) {
                last = i;
            }
        }
        for (int i = 0; i < properties.size(); i++) {
            if (i != last) {
                b.add(properties.get(i));
            }
        }
        return b.build();
    }

    /**
     * The Subscription Identifier a forwarding queue's membership of a share group carries, so that the queue's
     * deliveries say which group chose them: the same for a filter on every node and after every restart (a hash of
     * it), below {@link #SYNC_ID}.
     */
    public static int shareId(String sharedFilter) {
        return 1 + Math.floorMod(sharedFilter.hashCode(), SYNC_ID - 1);
    }
}
