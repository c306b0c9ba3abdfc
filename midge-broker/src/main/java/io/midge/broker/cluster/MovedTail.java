package io.midge.broker.cluster;

import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMovedCopies;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new node's end of a move's tail ({@link HandoverCodec#tail}): what reached the old node while the session moved
 * is queued here behind the snapshot's queue, and the copies of it (and of what the old node had before the move)
 * that reach the session here directly are dropped, queued or arriving however late, so that QoS 2 goes out once.
 *
 * <p>Threads: {@link #append} from the link's loop; the session's queue is changed on the session's own loop.
 */
final class MovedTail {
    private static final Logger log = LoggerFactory.getLogger(MovedTail.class);

    /**
     * A session moved here, waiting for its tail: it goes behind the first {@code position} queued deliveries (the
     * snapshot's), stored from key {@code firstSequence} on; CONNACK waits for it.
     */
    record Arrival(long requestId, int position, long firstSequence, CompletableFuture<Void> tailIn) {
    }

    private final String self;
    private final SessionRegistry sessions;
    private final LateTailCopies lateCopies;

    MovedTail(String self, SessionRegistry sessions) {
        this.self = self;
        this.sessions = sessions;
        this.lateCopies = new LateTailCopies(self);
    }

    /**
     * How long after its tail a moved session still drops copies of the tail's messages that reach it directly: as
     * long as it lives here, in effect. The other nodes' queues to this one may be behind by as long as a link is down
     * (a 60 s limit let a copy through after a longer outage), and an identity is never given to another message, so
     * waiting longer drops nothing else; what it costs is the identities of copies that never come (expired, or
     * dropped by a full queue), a handful per move, held until the session ends or moves on.
     */
    static final long COPIES_DROPPED_NANOS = TimeUnit.DAYS.toNanos(365);

    /**
     * Picks the deliveries a node routed here before its switch of a move ({@code routedBefore}: per node, named by
     * its link's client identifier, its last forward identity before the switch): copies of what the old node had,
     * routed here by a route older than the move (see {@link HandoverGiving#onMark}).
     */
    static Predicate<Delivery> routedBefore(Map<String, Long> routedBefore, String self) {
        return d -> {
            long id = d.message().forwardId();
            if (id == 0 || d.shared() || routedBefore.isEmpty()) {
                return false;
            }
            Long last = routedBefore.get(MoveOrigins.node(d, self));
            return last != null && id <= last;
        };
    }

    /** Picks the arriving deliveries that are copies of {@code identities}, each once (see {@link #append}). */
    static Predicate<Delivery> copies(Set<String> identities, String self) {
        return d -> !identities.isEmpty() && d.message().forwardId() != 0
                && identities.remove(MoveOrigins.identity(d, self));
    }

    /**
     * What reached the old owner during move {@code requestId}, queued here durably: behind the snapshot's queue and
     * ahead of what reached the session here since, while it waits for it ({@code arrival}); at the end when it came
     * too late. Once: a tail given again (its acknowledgement lost, or this node restarted after storing it) queues
     * nothing, as the move's request identifier is stored with the tail, in its batch. Completes once the tail is
     * stored (in memory without a store: queued), or there is nothing to store: then the old owner may let it go.
     */
    CompletableFuture<Void> append(String clientId, long requestId, List<StoredDelivery> tail, List<String> identities,
                                   Map<String, Long> lastRoutedBefore, Arrival arrival) {
        CompletableFuture<Void> stored = new CompletableFuture<>();
        Session s = sessions.get(clientId);
        // An empty tail still says up to where each node routed here before its switch: those copies go all the same.
        if (s == null || tail.isEmpty() && lastRoutedBefore.isEmpty()) {
            if (s == null && !tail.isEmpty()) {
                log.warn("Session of '{}': {} messages from its old node have no session here", clientId,
                        tail.size());
            }
            if (arrival != null) {
                arrival.tailIn().complete(null);
            }
            stored.complete(null);
            return stored;
        }
        s.execute(() -> {
            // A late node's tail to an open session: what of it came here directly is left out (it may have gone out).
            boolean late = arrival == null && lateCopies.watches(s);
            Persistence store = sessions.store().persistence();
            StoreBatch batch = store.isDurable() && s.isStored() ? store.batch(clientId) : null;
            StoredMovedCopies before = s.transfer().movedCopies();
            if (before != null && before.applied(requestId)) {
                // Said stored once what stored it is: an empty batch of the same owner completes after it.
                log.debug("Session of '{}': the tail of move {} came again; it is queued here already", clientId,
                        requestId);
                (batch == null ? CompletableFuture.<Void>completedFuture(null) : store.write(batch, s.executor()))
                        .whenComplete((v, e) -> complete(stored, e));
                if (arrival != null) {
                    arrival.tailIn().complete(null);
                }
                return;
            }
            // A message the old node got between a node's switch of routes and its mark reached this node directly
            // too: that copy goes, the tail's keeps its place (and a copy still on its way is dropped as it comes).
            // So does one a node routed here before its switch, by a route older than the move: the old node had
            // the message, and delivered it or sent it in the snapshot or the tail.
            // Which of a late tail's messages came here directly is decided once, here: the drain below records
            // what was still in the inbox as come directly too, and a copy taken out of the queue as not come
            // directly, then left out of the tail as come directly, was lost (three acknowledged QoS 2 messages in a
            // CI run).
            boolean[] cameDirectly = new boolean[identities.size()];
            Set<String> copiesOf = new HashSet<>();
            for (int i = 0; i < identities.size(); i++) {
                String identity = identities.get(i);
                cameDirectly[i] = late && lateCopies.cameDirectly(s, identity);
                if (!identity.isEmpty() && !cameDirectly[i]) {
                    copiesOf.add(identity);
                }
            }
            Predicate<Delivery> stale = routedBefore(lastRoutedBefore, self);
            // Queued copies of a late node's messages are all known (LateTailCopies) and stay: the tail leaves them out.
            Predicate<Delivery> staleQueued = late ? d -> false : stale;
            int[] staleCopies = {0};
            List<Delivery> copies = copiesOf.isEmpty() && lastRoutedBefore.isEmpty() ? List.of()
                    : s.transfer().takeQueuedIf(d -> {
                        if (copiesOf.remove(MoveOrigins.identity(d, self))) {
                            return true;
                        }
                        boolean routedBefore = staleQueued.test(d);
                        staleCopies[0] += routedBefore ? 1 : 0;
                        return routedBefore;
                    });
            for (Delivery copy : copies) {
                if (batch != null && copy.isStored() && !copy.cancelPut()) {
                    batch.removeQueued(clientId, copy.sequence());
                }
            }
            // What the session drops as copies from now on, and that this tail is here: stored with the tail, so that
            // a restart drops the same copies (see #restored) and a tail given again is not queued twice.
            StoredMovedCopies after = late ? StoredMovedCopies.added(before, requestId, copiesOf, lastRoutedBefore)
                    : StoredMovedCopies.after(before, requestId, copiesOf, lastRoutedBefore);
            s.transfer().movedCopies(after);
            if (batch != null) {
                batch.putMovedCopies(clientId, after);
            }
            if (!copiesOf.isEmpty() || !lastRoutedBefore.isEmpty()) {
                s.transfer().dropArriving(dropped(clientId, copiesOf, lastRoutedBefore, self),
                        System.nanoTime() + COPIES_DROPPED_NANOS);
            }
            List<Delivery> deliveries = new ArrayList<>();
            int[] leftOut = {0};
            for (int i = 0; i < tail.size(); i++) {
                StoredDelivery d = tail.get(i);
                if (cameDirectly[i]) {
                    leftOut[0]++;
                    continue;
                }
                long sequence = batch == null ? Delivery.NOT_STORED
                        : arrival != null && i < HandoverAsking.TAIL_ROOM ? arrival.firstSequence() + i
                        : s.reserveSequence();
                if (batch != null) {
                    batch.appendQueued(clientId, sequence, d);
                }
                deliveries.add(StoredMessages.fromStored(d, sequence));
            }
            if (arrival != null) {
                lateCopies.watch(s, lastRoutedBefore);
            } else if (late) {
                lateCopies.applied(s, lastRoutedBefore);
            }
            CompletableFuture<Void> written = batch == null ? CompletableFuture.completedFuture(null)
                    : store.write(batch, s.executor());
            written.whenComplete((v, e) -> {
                copies.forEach(Delivery::release);
                if (s.isEnded()) {
                    deliveries.forEach(Delivery::release);
                } else if (arrival != null) {
                    s.transfer().insertQueued(arrival.position(), deliveries);
                } else {
                    for (Delivery d : deliveries) {
                        if (!s.offer(d)) {
                            d.release();
                        }
                    }
                }
                log.info("Session of '{}': {} messages that reached its old node during the move queued here{} "
                        + "({} copies that came here directly dropped, {} of them routed here before the move; {} "
                        + "left out of a late tail as they came here directly)", clientId, deliveries.size(),
                        arrival != null ? "" : ", last (they came late)", copies.size(), staleCopies[0],
                        leftOut[0]);
                if (arrival != null) {
                    arrival.tailIn().complete(null);
                }
                complete(stored, e);
            });
        });
        return stored;
    }

    private static void complete(CompletableFuture<Void> stored, Throwable failed) {
        if (failed == null) {
            stored.complete(null);
        } else {
            stored.completeExceptionally(failed);
        }
    }

    /**
     * A session restored at start that moved here (its record of the move stored with its last tail): drops again
     * the copies it dropped before the restart, as they arrive however late (other nodes' queues to this one send
     * again what this node had not acknowledged). Call before other nodes link up.
     */
    static void restored(Session s, String self) {
        s.execute(() -> {
            StoredMovedCopies moved = s.transfer().movedCopies();
            if (moved != null && (!moved.identities().isEmpty() || !moved.routedBefore().isEmpty())) {
                s.transfer().dropArriving(dropped(s.clientId(), new HashSet<>(moved.identities()),
                        moved.routedBefore(), self), System.nanoTime() + COPIES_DROPPED_NANOS);
            }
        });
    }

    /** The arriving copies a moved session drops: each of {@code identities} once, and what was routed before. */
    private static Predicate<Delivery> dropped(String clientId, Set<String> identities,
                                               Map<String, Long> lastRoutedBefore, String self) {
        Predicate<Delivery> stale = routedBefore(lastRoutedBefore, self);
        return copies(identities, self).or(d -> {
            boolean routedBefore = stale.test(d);
            if (routedBefore) {
                log.debug("Session of '{}': dropped a copy of message {} routed here before the move", clientId,
                        MoveOrigins.identity(d, self));
            }
            return routedBefore;
        });
    }
}
