package io.midge.broker.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The members of one shared subscription, {@code $share/<name>/<filter>}, at the node of its filter. Each matching
 * message goes to one member, taken in turn, skipping members that are offline while some are online.
 */
final class SharedGroup {
    final String name;
    /** Copy-on-write under the node's monitor; groups are a handful of workers, not millions of devices. */
    volatile Subscription[] members;
    private final AtomicInteger turn = new AtomicInteger();

    SharedGroup(String name, Subscription first) {
        this.name = name;
        this.members = new Subscription[] {first};
    }

    /**
     * The member whose turn it is: lock-free, safe to call from any number of threads. In a cluster, other nodes
     * that have members of the group are members too (their forwarding queues, {@link NodeClientIds}): this node's
     * own members come first, online ones before offline ones; another node only when this one has none, so that a
     * message crosses to another node only for a group with no member here (MQTT 5.0 section 4.8.2: one member per
     * group across the cluster). With {@code localOnly}, never another node: null when there is no member here.
     */
    Subscription next(boolean localOnly) {
        Subscription[] current = members;
        int count = current.length;
        if (count == 1) {
            Subscription only = current[0];
            return localOnly && only.subscriber().isNode() ? null : only;
        }
        int ticket = turn.getAndIncrement();
        int first = Math.floorMod(ticket, count); // floorMod: the counter wraps to negative after 2^31 messages
        Subscription offline = null;
        Subscription node = null;
        for (int step = 0; step < count; step++) {
            Subscription candidate = current[(first + step) % count];
            Subscriber subscriber = candidate.subscriber();
            if (subscriber.isNode()) {
                node = node == null ? candidate : node;
            } else if (subscriber.isOnline()) {
                if (step > 0) {
                    // Skip the turns of the offline members we passed, so that the next message goes to the member
                    // after this one rather than to this one again: the load stays even among online members. If
                    // another thread took a turn meanwhile the skip is dropped; the spread is then only nearly even.
                    turn.compareAndSet(ticket + 1, ticket + 1 + step);
                }
                return candidate;
            } else if (offline == null) {
                offline = candidate;
            }
        }
        // Nobody online here: queue it in the sessions in turn all the same, or else pass it to another node.
        if (offline != null) {
            return offline;
        }
        return localOnly ? null : node;
    }

    /** The index of the subscriber's membership, or -1. */
    int indexOf(Subscriber subscriber) {
        Subscription[] current = members;
        for (int i = 0; i < current.length; i++) {
            if (current[i].subscriber() == subscriber) {
                return i;
            }
        }
        return -1;
    }
}
