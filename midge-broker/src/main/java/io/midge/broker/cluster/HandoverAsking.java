package io.midge.broker.cluster;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.broker.session.SessionGate.Refusal;
import io.midge.broker.session.SessionRegistry;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asking side of a session handover ({@link SessionHandover}): a client's session is about to open on this
 * node. Nobody owns it, or this node: it claims it and goes on. A live other node: this node asks it for the session
 * over the links, stores what comes in one batch, installs it as if restoring it, and only then takes the registry
 * entry (compare-and-set from the owner's entry, under the epoch the session was stored with) and tells the owner.
 * A down owner: a clean start or a session that ended with its node is taken over at once; a persistent session is
 * refused with 0x9C Use another server naming the owner (3.1.1: return code 3), until the node is back.
 */
final class HandoverAsking {
    private static final Logger log = LoggerFactory.getLogger(HandoverAsking.class);

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    private final Predicate<String> isMember;
    private final HandoverGiving giving;
    /** Sessions this node is opening (claiming or fetching): the registry's changes are its own doing. */
    private final Set<String> opening;
    private final MovedTail movedTail;
    /** Requests of this node waiting for the owner's answer. */
    private final Map<Long, CompletableFuture<HandoverCodec.Frame>> waiting = new ConcurrentHashMap<>();
    /** The epoch each session this node just let open is held under, until the connection takes it ({@link #epoch}). */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    /** Never negative: a late tail's identity is (see {@link LateMarks#lateTailId}). */
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime() & Long.MAX_VALUE);
    /** Sessions installed here whose old owner has yet to send what reached it during the move (the tail). */
    private final Map<String, MovedTail.Arrival> arriving = new ConcurrentHashMap<>();

    /**
     * Store keys left free below the queue of a session moved here, for its tail: the tail goes ahead of what reached
     * the session here directly meanwhile, also in the store's order.
     */
    static final long TAIL_ROOM = 1L << 20;


    HandoverAsking(String self, SessionOwners owners, SessionRegistry sessions, HandoverLinks links,
                   Predicate<String> isMember, HandoverGiving giving, Set<String> opening) {
        this.self = self;
        this.owners = owners;
        this.sessions = sessions;
        this.links = links;
        this.isMember = isMember;
        this.giving = giving;
        this.opening = opening;
        this.movedTail = new MovedTail(self, sessions);
    }

    /** The owner's answer to a request of this node (on the link's loop). */
    void onAnswer(HandoverCodec.Frame answer) {
        CompletableFuture<HandoverCodec.Frame> waiter = waiting.get(answer.requestId());
        if (waiter != null) {
            waiter.complete(answer);
        }
    }

    /** As {@link SessionGate#beforeOpen}. */
    CompletableFuture<Refusal> beforeOpen(String clientId, boolean cleanStart, boolean persistent,
                                                 EventLoop loop) {
        CompletableFuture<Refusal> result = new CompletableFuture<>();
        if (giving.isMoving(clientId) || !opening.add(clientId)) {
            giving.wantedHere(clientId);
            result.complete(new Refusal("the session of '" + clientId + "' is moving between nodes; "
                    + "connect again in a moment", null));
            return result;
        }
        result.whenComplete((r, e) -> opening.remove(clientId));
        // Most connections: nobody else owns the session; one round trip claims it, no thread waits meanwhile.
        owners.claimIfFreeOrMine(clientId, persistent).whenComplete((owner, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else if (owner.node().equals(self)) {
                opened(clientId, owner, result);
            } else {
                links.onThread(() -> {
                    try {
                        decide(clientId, cleanStart, persistent, loop, result, 3);
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
            }
        });
        return result;
    }

    private void decide(String clientId, boolean cleanStart, boolean persistent, EventLoop loop,
                        CompletableFuture<Refusal> result, int tries) {
        next(owners.getAsync(clientId), result, owner -> {
            if (owner == null || owner.node().equals(self)) {
                if (owner != null && owner.persistent() == persistent) {
                    opened(clientId, owner, result);
                    return;
                }
                next(owners.claimFrom(clientId, owner, persistent), result, mine -> {
                    if (mine == null) {
                        retry(clientId, cleanStart, persistent, loop, result, tries);
                    } else {
                        opened(clientId, mine, result);
                    }
                });
                return;
            }
            if (!isMember.test(owner.node())) {
                if (cleanStart || !owner.persistent()) {
                    // Nothing of that session is to be kept: it starts afresh here, and the node drops its copy
                    // when it comes back (fencing).
                    next(owners.claimFrom(clientId, owner, persistent), result, mine -> {
                        if (mine == null) {
                            retry(clientId, cleanStart, persistent, loop, result, tries);
                            return;
                        }
                        log.info("Session of '{}' taken from node '{}', which is down, with a clean start (epoch {})",
                                clientId, owner.node(), mine.epoch());
                        opened(clientId, mine, result);
                    });
                } else {
                    result.complete(new Refusal("the session of '" + clientId + "' is on node '" + owner.node()
                            + "', which is down: connect again once it is back, or with a clean start",
                            owner.node()));
                }
                return;
            }
            fetch(clientId, cleanStart, persistent, owner, loop, result);
        });
    }

    /**
     * Goes on with {@code then} on the session thread once the registry answered: no thread waits for the network
     * meanwhile, so one slow answer (a partition migrating on a loaded machine) holds up no other handover. A failed
     * call, or a failure of {@code then}, fails the connection's wait (it is refused as unavailable).
     */
    private <T> void next(CompletionStage<T> call, CompletableFuture<Refusal> result, Consumer<T> then) {
        links.whenDone(call, (value, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            try {
                then.accept(value);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
    }

    /** This node holds the session under {@code mine}: the connection opens it, and stores the epoch with it. */
    private void opened(String clientId, SessionOwner mine, CompletableFuture<Refusal> result) {
        epochs.put(clientId, mine.epoch());
        result.complete(null);
    }

    /** As {@link SessionGate#epoch}: taken once. */
    long epoch(String clientId) {
        Long epoch = epochs.remove(clientId);
        return epoch == null ? 0 : epoch;
    }

    private void retry(String clientId, boolean cleanStart, boolean persistent, EventLoop loop,
                       CompletableFuture<Refusal> result, int tries) {
        if (tries <= 1) {
            result.complete(new Refusal("the session of '" + clientId + "' changed hands meanwhile; connect again",
                    null));
        } else {
            decide(clientId, cleanStart, persistent, loop, result, tries - 1);
        }
    }

    /** Asks the owner for the session (or, with a clean start, to drop it), then installs what comes. */
    private void fetch(String clientId, boolean cleanStart, boolean persistent, SessionOwner owner, EventLoop loop,
                       CompletableFuture<Refusal> result) {
        long id = requestIds.incrementAndGet();
        long started = System.nanoTime();
        // The epoch the session will be held under here: stored with it as it is installed, then claimed.
        long epoch = owners.nextEpoch(owner);
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS);
        CompletableFuture<HandoverCodec.Frame> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        links.send(owner.node(), HandoverCodec.request(id, clientId, cleanStart), deadline).whenComplete((sent, e) -> {
            if (e != null) {
                answer.completeExceptionally(e);
            }
        });
        answer.orTimeout(SessionHandover.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenCompleteAsync((frame, error) -> {
            waiting.remove(id);
            if (error != null) {
                log.warn("Session of '{}': node '{}' did not hand it over: {}", clientId, owner.node(),
                        error.toString());
                result.complete(new Refusal("node '" + owner.node() + "', which holds the session of '" + clientId
                        + "', did not hand it over in time", null));
            } else if (frame.status() == HandoverCodec.REFUSED) {
                result.complete(new Refusal(frame.reason(), null));
            } else if (frame.status() == HandoverCodec.NO_SESSION) {
                claimed(clientId, owner, persistent, epoch, id, null, started, result);
            } else {
                install(frame.session(), epoch, loop).whenCompleteAsync((v, failed) -> {
                    if (failed != null) {
                        log.warn("Installing the session of '{}' from node '{}' failed: {}", clientId, owner.node(),
                                failed.toString());
                        links.send(owner.node(), HandoverCodec.done(id, clientId, false), deadline);
                        result.complete(new Refusal("the session could not be stored", null));
                    } else if (System.nanoTime() - deadline > 0) {
                        undo(clientId, owner.node(), id, deadline, result, "the handover took too long");
                    } else {
                        claimed(clientId, owner, persistent, epoch, id, frame.session(), started, result);
                    }
                }, links.thread());
            }
        }, links.thread());
    }

    /**
     * The session is here ({@code moved}; null: there was none): the registry entry moves to this node, and the owner
     * hears it. A session moved here opens once the owner sent its tail (or did not in time).
     */
    private void claimed(String clientId, SessionOwner owner, boolean persistent, long epoch, long id,
                         RecoveredSession moved, long started, CompletableFuture<Refusal> result) {
        links.whenDone(owners.claimAfter(clientId, owner, persistent, epoch), (mine, error) -> {
            if (error == null) {
                claimedAs(clientId, owner, mine, id, moved, started, result);
                return;
            }
            // The claim may have been taken all the same (its answer lost): the entry as it is now decides.
            log.warn("Session of '{}': no answer to this node's claim ({}); reading the registry", clientId,
                    error.toString());
            links.whenDone(owners.getAsync(clientId), (now, failed) -> {
                boolean taken = failed == null && now != null && now.node().equals(self) && now.epoch() == epoch;
                claimedAs(clientId, owner, taken ? now : null, id, moved, started, result);
            });
        });
    }

    /** The registry answered the claim: {@code mine}, or null when the session changed hands meanwhile. */
    private void claimedAs(String clientId, SessionOwner owner, SessionOwner mine, long id, RecoveredSession moved,
                           long started, CompletableFuture<Refusal> result) {
        boolean installed = moved != null;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS);
        if (mine == null) {
            if (installed) {
                undo(clientId, owner.node(), id, deadline, result, "the session changed hands meanwhile");
            } else {
                result.complete(new Refusal("the session of '" + clientId + "' changed hands meanwhile; connect "
                        + "again", null));
            }
            return;
        }
        if (installed) {
            MovedTail.Arrival arrival = new MovedTail.Arrival(id, moved.queued().size(), moved.nextSequence(),
                    new CompletableFuture<>());
            arriving.put(clientId, arrival);
            links.send(owner.node(), HandoverCodec.done(id, clientId, true), deadline);
            arrival.tailIn().orTimeout(SessionHandover.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                arriving.remove(clientId, arrival);
                if (e != null) {
                    log.warn("Session of '{}': node '{}' sent no tail in time; what it sends later is queued last",
                            clientId, owner.node());
                }
                log.info("Session of '{}' moved here from node '{}' (epoch {}) in {} ms", clientId, owner.node(),
                        mine.epoch(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                opened(clientId, mine, result);
            });
            return;
        } else {
            log.info("Session of '{}' taken from node '{}', which dropped it (epoch {})", clientId, owner.node(),
                    mine.epoch());
        }
        opened(clientId, mine, result);
    }

    /** The installed copy goes again, and the owner keeps its session. */
    private void undo(String clientId, String owner, long id, long deadline, CompletableFuture<Refusal> result,
                      String why) {
        Session s = sessions.get(clientId);
        CompletableFuture<Void> dropped = s == null ? CompletableFuture.completedFuture(null)
                : SessionHandover.drop(sessions, s);
        dropped.whenComplete((v, e) -> {
            links.send(owner, HandoverCodec.done(id, clientId, false), deadline);
            result.complete(new Refusal(why + "; connect again", null));
        });
    }

    /**
     * Stores the session in one batch (replacing any stale copy), under the epoch it is about to be claimed with, and
     * puts it into the registry, offline, as a restart would; completes on the connection's loop, where it is then
     * resumed.
     */
    private CompletableFuture<Void> install(RecoveredSession moved, long epoch, EventLoop loop) {
        StoredSession record = moved.session();
        RecoveredSession s = new RecoveredSession(new StoredSession(record.clientId(), record.protocolVersion(),
                record.expiryIntervalSeconds(), record.disconnectedAtMillis(), epoch), moved.expiresAtMillis(),
                moved.subscriptions(), moved.queued(), moved.inflight(), moved.inboundQos2(),
                moved.nextSequence() + TAIL_ROOM);
        String id = s.clientId();
        Session stale = sessions.get(id);
        CompletableFuture<Void> cleared = stale == null ? CompletableFuture.completedFuture(null)
                : SessionHandover.drop(sessions, stale);
        CompletableFuture<Void> done = new CompletableFuture<>();
        cleared.whenComplete((v, e) -> loop.execute(() -> {
            Persistence store = sessions.store().persistence();
            CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
            if (store.isDurable()) {
                StoreBatch batch = store.batch(id).removeSession(id).putSession(s.session());
                s.subscriptions().forEach((filter, options) -> batch.putSubscription(id, filter, options));
                for (InflightDelivery d : s.inflight()) {
                    if (d.delivery() != null) {
                        batch.appendQueued(id, d.sequence(), d.delivery());
                    }
                    batch.putInflight(id, d.packetId(), d.sequence(), d.state());
                }
                for (QueuedDelivery d : s.queued()) {
                    batch.appendQueued(id, d.sequence(), d.delivery());
                }
                for (int packetId : s.inboundQos2()) {
                    batch.putInboundQos2(id, packetId);
                }
                written = store.write(batch, loop);
            }
            written.whenComplete((w, failed) -> {
                if (failed != null) {
                    done.completeExceptionally(failed);
                    return;
                }
                sessions.restore(s, loop);
                done.complete(null);
            });
        }));
        return done;
    }

    /**
     * The old owner's tail of a session moved here (on the link's loop): once stored, the old owner hears it and lets
     * go of its copy (see {@link PendingTails}).
     */
    void onTail(String from, HandoverCodec.Frame tail) {
        MovedTail.Arrival arrival = arriving.get(tail.clientId());
        movedTail.append(tail.clientId(), tail.requestId(), tail.tail(), tail.identities(), tail.routedBefore(),
                arrival != null && arrival.requestId() == tail.requestId() ? arrival : null).whenComplete((v, e) -> {
                    if (e != null) {
                        // Not said stored: the old owner sends it again (a store that failed takes no writes).
                        log.warn("Session of '{}': storing the tail from node '{}' failed: {}", tail.clientId(), from,
                                e.toString());
                    } else {
                        links.send(from, HandoverCodec.tailStored(tail.requestId(), tail.clientId()),
                                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS));
                    }
                });
    }
}
