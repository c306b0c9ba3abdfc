package io.midge.broker.session;

import io.midge.broker.routing.Delivery;
import java.util.function.Predicate;

/**
 * Which arrivals a session moved here from another node of a cluster drops as they are drained, and until when (see
 * {@link SessionMailbox#dropArriving}): copies of what the old node had sent it already. One object, made for a moved
 * session only, so that every other mailbox holds one null reference instead of a predicate and a deadline.
 */
record ArrivingCopies(Predicate<Delivery> pick, long untilNanos) {
    /** Whether the time is up ({@link System#nanoTime}): from then on nothing is dropped as a copy. */
    boolean over() {
        return System.nanoTime() - untilNanos > 0;
    }

    /** What this drops while its time lasts, and what {@code other} drops while its time lasts. */
    ArrivingCopies and(ArrivingCopies other) {
        return new ArrivingCopies(d -> !over() && pick.test(d) || !other.over() && other.pick().test(d),
                other.untilNanos - untilNanos > 0 ? other.untilNanos : untilNanos);
    }
}
