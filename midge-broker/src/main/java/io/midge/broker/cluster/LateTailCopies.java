package io.midge.broker.cluster;

import io.midge.broker.routing.Delivery;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionSnapshot;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new node's side of a move's late tails ({@link LateMarks}): a node whose mark was due at the cut sent its
 * messages to the old owner, and, once it saw this node's own route for the session's filters, to this node too. The
 * session is open by the time the late tail comes, so those direct copies may have gone out already: a late tail's
 * message that came here directly is left out of it (else QoS 2 went out twice), where a first tail takes the queued
 * copy out instead. So from the first tail on, this node keeps the forward identities of what reaches the session
 * from those nodes, until their late tails came.
 *
 * <p>Threads: everything on the session's loop, except the map of sessions watched.
 */
final class LateTailCopies {
    private static final Logger log = LoggerFactory.getLogger(LateTailCopies.class);
    /**
     * At most this many identities kept per session: a late node's messages to one session over the old owner's wait
     * ({@link LateMarks#WAIT_MILLIS}, or longer for a node that was down) at a high rate. Beyond it nothing more is
     * kept, and a late tail may then repeat a message that came directly (said in a warning).
     */
    static final int MOST_KEPT = 100_000;
    /**
     * How long identities are kept at most: the old owner's longest wait for a mark (a node that was down at the move,
     * {@link LateMarks#ABSENT_WAIT_MILLIS}), and a late node's wait again for the tail's way. A node's late tail ends
     * the watch of it much sooner as a rule.
     */
    private static final long KEPT_NANOS = TimeUnit.MILLISECONDS.toNanos(LateMarks.ABSENT_WAIT_MILLIS
            + LateMarks.WAIT_MILLIS);

    private final String self;
    private final Map<String, Watch> watching = new ConcurrentHashMap<>();

    /** A moved session's late nodes (named by their links' client identifiers) and what came from them directly. */
    private final class Watch {
        final Session session;
        final Set<String> origins;
        final Set<String> seen = new HashSet<>();
        final long untilNanos = System.nanoTime() + KEPT_NANOS;
        boolean full;

        Watch(Session session, Set<String> origins) {
            this.session = session;
            this.origins = origins;
        }

        void record(Delivery d) {
            if (d.message().forwardId() == 0 || d.shared() || !origins.contains(MoveOrigins.node(d, self))) {
                return;
            }
            if (seen.size() < MOST_KEPT) {
                seen.add(MoveOrigins.identity(d, self));
            } else if (!full) {
                full = true;
                log.warn("Session of '{}': more than {} messages came directly from nodes {} while their late tails "
                        + "were due; a late tail may repeat one", session.clientId(), MOST_KEPT, origins);
            }
        }

        boolean over() {
            return origins.isEmpty() || System.nanoTime() - untilNanos > 0;
        }
    }

    LateTailCopies(String self) {
        this.self = self;
    }

    /**
     * The first tail of a session moved here was applied (on its loop): the nodes it names as {@link
     * LateMarks#MARK_DUE} send a late tail later, and what reaches the session from them from now on, as what it
     * holds from them already, is kept track of.
     */
    void watch(Session s, Map<String, Long> routedBefore) {
        Set<String> origins = ConcurrentHashMap.newKeySet();
        routedBefore.forEach((node, last) -> {
            if (last == LateMarks.MARK_DUE) {
                origins.add(node);
            }
        });
        if (origins.isEmpty()) {
            return;
        }
        Watch w = new Watch(s, origins);
        for (Delivery d : SessionSnapshot.deliveries(s)) {
            w.record(d);
        }
        watching.put(s.clientId(), w);
        s.transfer().dropArriving(d -> {
            w.record(d);
            return false;
        }, w.untilNanos);
    }

    /** Whether a tail for the session is a late one of a node it waits for (on the session's loop). */
    boolean watches(Session s) {
        Watch w = watching.get(s.clientId());
        if (w != null && (w.session != s || w.over())) {
            watching.remove(s.clientId(), w);
            return false;
        }
        return w != null;
    }

    /** Whether the message a late tail's delivery names ({@link MoveOrigins#identity}) came here directly. */
    boolean cameDirectly(Session s, String identity) {
        Watch w = watching.get(s.clientId());
        return w != null && w.session == s && !identity.isEmpty() && w.seen.contains(identity);
    }

    /** A late tail was applied: the nodes whose mark it brings ({@code routedBefore}) are no longer waited for. */
    void applied(Session s, Map<String, Long> routedBefore) {
        Watch w = watching.get(s.clientId());
        if (w != null && w.session == s) {
            w.origins.removeAll(routedBefore.keySet());
            if (w.over()) {
                watching.remove(s.clientId(), w);
            }
        }
    }
}
