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

    /** The member whose turn it is: lock-free, safe to call from any number of threads. */
    Subscription next() {
        Subscription[] current = members;
        int count = current.length;
        if (count == 1) {
            return current[0];
        }
        int ticket = turn.getAndIncrement();
        int first = Math.floorMod(ticket, count); // floorMod: the counter wraps to negative after 2^31 messages
        for (int step = 0; step < count; step++) {
            Subscription candidate = current[(first + step) % count];
            if (candidate.subscriber().isOnline()) {
                if (step > 0) {
                    // Skip the turns of the offline members we passed, so that the next message goes to the member
                    // after this one rather than to this one again: the load stays even among online members. If
                    // another thread took a turn meanwhile the skip is dropped; the spread is then only nearly even.
                    turn.compareAndSet(ticket + 1, ticket + 1 + step);
                }
                return candidate;
            }
        }
        return current[first]; // nobody online: queue it in the sessions in turn all the same
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
