package io.midge.broker.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node of the {@link TopicTree}: one level of topic filters, with the subscriptions whose filter ends here.
 *
 * <p>The plain subscriptions are an immutable array while there are few, replaced on every change, which is the
 * fastest thing to iterate on the publish path; a node with one (a device's own topic: the most common node of
 * all) holds the {@link Subscription} itself, without an array around it. Past {@value #LARGE} subscribers (a filter that a whole fleet of
 * devices subscribes to) copying the array on every subscribe would cost O(n) each, O(n^2) for the fleet, so the
 * node switches to a concurrent map, and back to an array when it has shrunk to half of that.
 */
final class TopicNode extends TrieNode<TopicNode> {
    static final int LARGE = 32;
    private static final Subscription[] NO_SUBSCRIPTIONS = {};
    private static final SharedGroup[] NO_GROUPS = {};

    /**
     * A {@code Subscription} (exactly one), a {@code Subscription[]} (none, or two or more) or a
     * {@code ConcurrentHashMap<SubscriberKey, Subscription>}; see the class notes.
     */
    volatile Object subscriptions = NO_SUBSCRIPTIONS;
    /** The shared subscriptions whose filter ends here, one group per share name; copy-on-write. */
    volatile SharedGroup[] groups = NO_GROUPS;
    /** The children for the wildcard levels, also in the children map, kept apart so matching needs no lookup. */
    volatile TopicNode plus;
    volatile TopicNode hash;

    TopicNode(TopicNode parent, String level) {
        super(parent, level);
    }

    @Override
    TopicNode newChild(String level) {
        return new TopicNode(this, level);
    }

    @Override
    boolean hasPayload() {
        Object current = subscriptions;
        return groups.length > 0 || current instanceof Subscription
                || (current instanceof Subscription[] array ? array.length > 0 : !asMap(current).isEmpty());
    }

    @Override
    void childAdded(TopicNode child) {
        if (child.level.equals("+")) {
            plus = child;
        } else if (child.level.equals("#")) {
            hash = child;
        }
    }

    @Override
    void childRemoved(TopicNode child) {
        if (child == plus) {
            plus = null;
        } else if (child == hash) {
            hash = null;
        }
    }

    // ------------------------------------------------------------ changes, with this node's monitor held

    /** Adds or replaces the subscriber's plain subscription here; true when it replaced one. */
    boolean put(Subscription subscription) {
        Subscriber subscriber = subscription.subscriber();
        if (subscriptions instanceof Subscription single) {
            boolean same = single.subscriber() == subscriber;
            subscriptions = same ? subscription : new Subscription[] {single, subscription};
            return same;
        }
        if (subscriptions instanceof Subscription[] array) {
            if (array.length == 0) {
                subscriptions = subscription;
                return false;
            }
            int index = indexOf(array, subscriber);
            if (index >= 0) {
                Subscription[] copy = array.clone();
                copy[index] = subscription;
                subscriptions = copy;
                return true;
            }
            if (array.length < LARGE) {
                Subscription[] copy = Arrays.copyOf(array, array.length + 1);
                copy[array.length] = subscription;
                subscriptions = copy;
                return false;
            }
            ConcurrentHashMap<SubscriberKey, Subscription> map = new ConcurrentHashMap<>(array.length * 2);
            for (Subscription existing : array) {
                map.put(new SubscriberKey(existing.subscriber()), existing);
            }
            map.put(new SubscriberKey(subscriber), subscription);
            subscriptions = map; // filled before it is published
            return false;
        }
        return map().put(new SubscriberKey(subscriber), subscription) != null;
    }

    /** Removes the subscriber's plain subscription here; true when there was one. */
    boolean remove(Subscriber subscriber) {
        if (subscriptions instanceof Subscription single) {
            if (single.subscriber() != subscriber) {
                return false;
            }
            subscriptions = NO_SUBSCRIPTIONS;
            return true;
        }
        if (subscriptions instanceof Subscription[] array) {
            int index = indexOf(array, subscriber);
            if (index < 0) {
                return false;
            }
            subscriptions = array.length == 2 ? array[1 - index] : without(array, index);
            return true;
        }
        Map<SubscriberKey, Subscription> map = map();
        if (map.remove(new SubscriberKey(subscriber)) == null) {
            return false;
        }
        if (map.size() <= LARGE / 2) {
            subscriptions = map.values().toArray(NO_SUBSCRIPTIONS);
        }
        return true;
    }

    /** Adds or replaces the subscriber's membership of the named share group here; true when it replaced one. */
    boolean putShared(String groupName, Subscription subscription) {
        SharedGroup[] current = groups;
        for (SharedGroup group : current) {
            if (group.name.equals(groupName)) {
                Subscription[] members = group.members;
                int index = group.indexOf(subscription.subscriber());
                if (index >= 0) {
                    Subscription[] copy = members.clone();
                    copy[index] = subscription;
                    group.members = copy;
                    return true;
                }
                Subscription[] copy = Arrays.copyOf(members, members.length + 1);
                copy[members.length] = subscription;
                group.members = copy;
                return false;
            }
        }
        SharedGroup[] copy = Arrays.copyOf(current, current.length + 1);
        copy[current.length] = new SharedGroup(groupName, subscription);
        groups = copy;
        return false;
    }

    /** Removes the subscriber from the named share group here, and the group once empty; true when it was in it. */
    boolean removeShared(String groupName, Subscriber subscriber) {
        SharedGroup[] current = groups;
        for (int g = 0; g < current.length; g++) {
            SharedGroup group = current[g];
            if (group.name.equals(groupName)) {
                int index = group.indexOf(subscriber);
                if (index < 0) {
                    return false;
                }
                if (group.members.length == 1) {
                    ArrayList<SharedGroup> rest = new ArrayList<>(Arrays.asList(current));
                    rest.remove(g);
                    groups = rest.toArray(NO_GROUPS);
                } else {
                    group.members = without(group.members, index);
                }
                return true;
            }
        }
        return false;
    }

    /** The map of a node that has one; with this monitor held, since it reads the field. */
    ConcurrentHashMap<SubscriberKey, Subscription> map() {
        return asMap(subscriptions);
    }

    /** The map form of a value read from {@link #subscriptions}; readers cast the value they read, not the field. */
    @SuppressWarnings("unchecked")
    static ConcurrentHashMap<SubscriberKey, Subscription> asMap(Object subscriptions) {
        return (ConcurrentHashMap<SubscriberKey, Subscription>) subscriptions;
    }

    private static int indexOf(Subscription[] array, Subscriber subscriber) {
        for (int i = 0; i < array.length; i++) {
            if (array[i].subscriber() == subscriber) {
                return i;
            }
        }
        return -1;
    }

    private static Subscription[] without(Subscription[] array, int index) {
        Subscription[] copy = new Subscription[array.length - 1];
        System.arraycopy(array, 0, copy, 0, index);
        System.arraycopy(array, index + 1, copy, index, array.length - index - 1);
        return copy;
    }

    /** A map key that compares subscribers by identity, like the arrays do, whatever their equals says. */
    record SubscriberKey(Subscriber subscriber) {
        @Override
        public boolean equals(Object other) {
            return other instanceof SubscriberKey key && key.subscriber == subscriber;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(subscriber);
        }
    }
}
