package io.midge.broker.cluster;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionSnapshot;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One owner per session in the cluster, and sessions that follow their clients from node to node.
 *
 * <p>Before a client's session opens here ({@link #beforeOpen}), the registry ({@link SessionOwners}) says who owns
 * it. Nobody, or this node: it claims it and goes on. A live other node: this node asks it for the session over the
 * links ({@code $cluster/session/...} messages, QoS 0, payloads never through Hazelcast); the owner closes the old
 * connection (5.0: DISCONNECT 0x8E), cuts the session out of its topic tree, waits until every loop has passed the
 * cut, and sends the whole session; this node stores it in one batch, installs it as if restoring it, and only then
 * takes the registry entry with the next epoch (compare-and-set from the owner's entry) and tells the owner, which
 * drops its copy; CONNACK then says Session Present 1. Should anything fail or time out, the registry decides: the
 * old owner takes its session back if the entry is still its own, and drops it otherwise. A down owner: a clean start
 * or a session that ended with its node is taken over at once; a persistent session is refused with 0x9C Use another
 * server naming the owner (3.1.1: return code 3), so that what is queued there is not lost, until the node is back.
 *
 * <p>Fencing: a node whose copy of a session is not the registry's owner drops it, at start (a node killed and
 * restarted on its data directory while its sessions moved on) and whenever the registry changes to another owner.
 *
 * <p>Threads: registry calls block on the network, so they run on one thread of their own ({@code midge-sessions}),
 * which also orders a node's claims and releases; sessions are changed on their own loops; nothing blocks a loop.
 */
final class SessionHandover implements SessionGate {
    private static final Logger log = LoggerFactory.getLogger(SessionHandover.class);
    static final String TOPIC_PREFIX = NodeClientIds.PREFIX + "session/";
    /** How long a connecting client waits for the session to arrive from its owner. */
    static final long TIMEOUT_MILLIS = 10_000;
    private static final long LINK_POLL_MILLIS = 100;

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final EventLoopGroup group;
    private final Predicate<String> isMember;
    private final ScheduledExecutorService thread;
    /** The link up to each node, to send on. */
    private final Map<String, NodeLink> links = new ConcurrentHashMap<>();
    /** Requests of this node waiting for the owner's answer. */
    private final Map<Long, CompletableFuture<HandoverCodec.Frame>> waiting = new ConcurrentHashMap<>();
    /** Sessions this node cut loose for another node, until that node says it has them (or the time is up). */
    private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();
    /** Sessions this node is opening (claiming or fetching): the registry's changes are its own doing. */
    private final Set<String> opening = ConcurrentHashMap.newKeySet();
    /** The epoch each session this node just let open is held under, until the connection takes it ({@link #epoch}). */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime());

    /** A session handed to {@code to}: its subscriptions (to put back if the move fails) and what it sent. */
    private record Outgoing(Session session, String to, long requestId, Map<String, SubscriptionOptions> subscriptions,
                            Set<Delivery> sent) {
    }

    SessionHandover(String self, SessionOwners owners, SessionRegistry sessions, EventLoopGroup group,
                    Predicate<String> isMember) {
        this.self = self;
        this.owners = owners;
        this.sessions = sessions;
        this.group = group;
        this.isMember = isMember;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "midge-sessions");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the handover messages other nodes send this one (they arrive on the link listener, as QoS 0). */
    void listen(TopicTree tree) {
        tree.subscribe(new Inbox(), TOPIC_PREFIX + "#", SubscriptionOptions.of(0));
    }

    void linkUp(NodeLink link) {
        links.put(link.node, link);
    }

    void linkDown(NodeLink link) {
        links.remove(link.node, link);
    }

    void close() {
        thread.shutdownNow();
    }

    // ------------------------------------------------------------------ fencing

    /**
     * After the store's sessions were restored, before their wills: each is reclaimed in the registry under the epoch
     * stored with it, and the highest epoch wins ({@link SessionOwners#reclaim}). A session whose entry is another
     * node's under the same or a higher epoch is a stale copy (its owner moved it on while this node was down, or
     * this node lost it in a move and kept it on disk): it is dropped, without its will. Waits for the registry's
     * answers (at most {@link #TIMEOUT_MILLIS}; a session not answered by then is fenced later, as the registry
     * changes). Returns the client identifiers of the copies dropped, whose stored wills are void.
     */
    Set<String> fenceRestored() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        Set<String> stale = ConcurrentHashMap.newKeySet();
        for (Session s : List.copyOf(sessions.sessions())) {
            String clientId = s.clientId();
            if (NodeClientIds.isNode(clientId)) {
                continue;
            }
            all.add(owners.reclaim(clientId, s.clusterEpoch(), s.expiryIntervalSeconds() > 0)
                    .toCompletableFuture().thenCompose(owner -> {
                        if (owner.node().equals(self)) {
                            return CompletableFuture.completedFuture(null);
                        }
                        stale.add(clientId);
                        log.info("Session of '{}' belongs to node '{}' (epoch {}, this node's copy {}): this node's "
                                + "stale copy is dropped", clientId, owner.node(), owner.epoch(), s.clusterEpoch());
                        return drop(s);
                    }));
        }
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("Reclaiming the restored sessions in the cluster's registry: {}", e.toString());
        }
        return Set.copyOf(stale);
    }

    /** The registry entry of a client changed, on some node (from Hazelcast's event thread). */
    void ownerChanged(String clientId) {
        if (!NodeClientIds.isNode(clientId)) {
            onThread(() -> fence(clientId));
        }
    }

    private void fence(String clientId) {
        Session s = sessions.get(clientId);
        if (s == null || s.isEnded() || opening.contains(clientId) || outgoing.containsKey(clientId)) {
            return;
        }
        SessionOwner owner = owners.get(clientId);
        if (owner != null && !owner.node().equals(self)) {
            log.info("Session of '{}' belongs to node '{}' (epoch {}): this node's stale copy is dropped", clientId,
                    owner.node(), owner.epoch());
            drop(s);
        }
    }

    /** Ends this node's copy of a session that lives elsewhere: no will of it goes out here, its connection closes. */
    private CompletableFuture<Void> drop(Session s) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        s.execute(() -> {
            Message will = s.takePendingWill();
            if (will != null) {
                will.payload().release();
            }
            s.kickConnection();
            sessions.discard(s).whenComplete((v, e) -> done.complete(null));
        });
        return done;
    }

    // ------------------------------------------------------------------ the new owner's side

    @Override
    public CompletableFuture<Refusal> beforeOpen(String clientId, boolean cleanStart, boolean persistent,
                                                 EventLoop loop) {
        CompletableFuture<Refusal> result = new CompletableFuture<>();
        if (outgoing.containsKey(clientId) || !opening.add(clientId)) {
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
                onThread(() -> {
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
        SessionOwner owner = owners.get(clientId);
        if (owner == null || owner.node().equals(self)) {
            SessionOwner mine = owner == null || owner.persistent() != persistent
                    ? owners.claimFrom(clientId, owner, persistent) : owner;
            if (mine == null) {
                retry(clientId, cleanStart, persistent, loop, result, tries);
                return;
            }
            opened(clientId, mine, result);
            return;
        }
        if (!isMember.test(owner.node())) {
            if (cleanStart || !owner.persistent()) {
                // Nothing of that session is to be kept: it starts afresh here, and the node drops its copy when
                // it comes back (fencing).
                SessionOwner mine = owners.claimFrom(clientId, owner, persistent);
                if (mine == null) {
                    retry(clientId, cleanStart, persistent, loop, result, tries);
                    return;
                }
                log.info("Session of '{}' taken from node '{}', which is down, with a clean start (epoch {})",
                        clientId, owner.node(), mine.epoch());
                opened(clientId, mine, result);
            } else {
                result.complete(new Refusal("the session of '" + clientId + "' is on node '" + owner.node()
                        + "', which is down: connect again once it is back, or with a clean start", owner.node()));
            }
            return;
        }
        fetch(clientId, cleanStart, persistent, owner, loop, result);
    }

    /** This node holds the session under {@code mine}: the connection opens it, and stores the epoch with it. */
    private void opened(String clientId, SessionOwner mine, CompletableFuture<Refusal> result) {
        epochs.put(clientId, mine.epoch());
        result.complete(null);
    }

    @Override
    public long epoch(String clientId) {
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
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        CompletableFuture<HandoverCodec.Frame> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        send(owner.node(), HandoverCodec.request(id, clientId, cleanStart), deadline).whenComplete((sent, e) -> {
            if (e != null) {
                answer.completeExceptionally(e);
            }
        });
        answer.orTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenCompleteAsync((frame, error) -> {
            waiting.remove(id);
            if (error != null) {
                log.warn("Session of '{}': node '{}' did not hand it over: {}", clientId, owner.node(),
                        error.toString());
                result.complete(new Refusal("node '" + owner.node() + "', which holds the session of '" + clientId
                        + "', did not hand it over in time", null));
            } else if (frame.status() == HandoverCodec.REFUSED) {
                result.complete(new Refusal(frame.reason(), null));
            } else if (frame.status() == HandoverCodec.NO_SESSION) {
                claimed(clientId, owner, persistent, epoch, id, false, started, result);
            } else {
                install(frame.session(), epoch, loop).whenCompleteAsync((v, failed) -> {
                    if (failed != null) {
                        log.warn("Installing the session of '{}' from node '{}' failed: {}", clientId, owner.node(),
                                failed.toString());
                        send(owner.node(), HandoverCodec.done(id, clientId, false), deadline);
                        result.complete(new Refusal("the session could not be stored", null));
                    } else if (System.nanoTime() - deadline > 0) {
                        undo(clientId, owner.node(), id, deadline, result, "the handover took too long");
                    } else {
                        claimed(clientId, owner, persistent, epoch, id, true, started, result);
                    }
                }, thread);
            }
        }, thread);
    }

    /** The session is here (or there was none): the registry entry moves to this node, and the owner hears it. */
    private void claimed(String clientId, SessionOwner owner, boolean persistent, long epoch, long id,
                         boolean installed, long started, CompletableFuture<Refusal> result) {
        SessionOwner mine = owners.claimAfter(clientId, owner, persistent, epoch);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
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
            send(owner.node(), HandoverCodec.done(id, clientId, true), deadline);
            log.info("Session of '{}' moved here from node '{}' (epoch {}) in {} ms", clientId, owner.node(),
                    mine.epoch(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
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
        CompletableFuture<Void> dropped = s == null ? CompletableFuture.completedFuture(null) : drop(s);
        dropped.whenComplete((v, e) -> {
            send(owner, HandoverCodec.done(id, clientId, false), deadline);
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
                moved.subscriptions(), moved.queued(), moved.inflight(), moved.inboundQos2(), moved.nextSequence());
        String id = s.clientId();
        Session stale = sessions.get(id);
        CompletableFuture<Void> cleared = stale == null ? CompletableFuture.completedFuture(null) : drop(stale);
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

    /** Messages that reached the old owner after it cut the session loose: queued here too, durably. */
    private void appendTail(String clientId, List<StoredDelivery> tail) {
        Session s = sessions.get(clientId);
        if (s == null || tail.isEmpty()) {
            log.warn("Session of '{}': {} late messages from its old node have no session here", clientId,
                    tail.size());
            return;
        }
        s.execute(() -> {
            Persistence store = sessions.store().persistence();
            StoreBatch batch = store.isDurable() && s.isStored() ? store.batch(clientId) : null;
            List<Delivery> deliveries = new ArrayList<>();
            for (StoredDelivery d : tail) {
                long sequence = batch == null ? Delivery.NOT_STORED : s.reserveSequence();
                if (batch != null) {
                    batch.appendQueued(clientId, sequence, d);
                }
                deliveries.add(StoredMessages.fromStored(d, sequence));
            }
            CompletableFuture<Void> written = batch == null ? CompletableFuture.completedFuture(null)
                    : store.write(batch, s.executor());
            written.whenComplete((v, e) -> {
                for (Delivery d : deliveries) {
                    if (!s.offer(d)) {
                        d.release();
                    }
                }
                log.info("Session of '{}': {} messages that reached its old node late queued here", clientId,
                        deliveries.size());
            });
        });
    }

    @Override
    public void ended(String clientId) {
        if (!NodeClientIds.isNode(clientId)) {
            onThread(() -> {
                Session s = sessions.get(clientId);
                if ((s == null || s.isEnded()) && !opening.contains(clientId)) {
                    owners.release(clientId);
                    Session again = sessions.get(clientId);
                    if (again != null && !again.isEnded()) {
                        // Opened here meanwhile (its claim came just before the release): claimed again.
                        owners.claimIfFreeOrMine(clientId, again.expiryIntervalSeconds() > 0);
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------ the old owner's side

    /** Another node asks for a session of this node (on the session thread). */
    private void onRequest(String from, HandoverCodec.Frame request) {
        String clientId = request.clientId();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        Session s = sessions.get(clientId);
        if (s == null || s.isEnded()) {
            send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.NO_SESSION, null, null),
                    deadline);
            return;
        }
        if (outgoing.containsKey(clientId) || opening.contains(clientId)) {
            send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.REFUSED,
                    "the session of '" + clientId + "' is moving between nodes; connect again in a moment", null),
                    deadline);
            return;
        }
        Outgoing moving = new Outgoing(s, from, request.requestId(), new java.util.LinkedHashMap<>(),
                Collections.newSetFromMap(new IdentityHashMap<>()));
        outgoing.put(clientId, moving);
        s.execute(() -> {
            if (s.isEnded() || request.flag() || s.expiryIntervalSeconds() == 0) {
                // A clean start elsewhere (or a session that ends with its connection): this one just ends.
                s.kickConnection();
                sessions.discard(s).whenComplete((v, e) -> {
                    outgoing.remove(clientId, moving);
                    send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.NO_SESSION, null,
                            null), deadline);
                });
                return;
            }
            s.kickConnection(); // DISCONNECT 0x8E Session taken over (MQTT 5.0 3.1.4); 3.1.1: closed
            Message will = s.takePendingWill();
            if (will != null) {
                will.payload().release(); // the client is back (elsewhere): a delayed will is void
            }
            moving.subscriptions().putAll(s.subscriptions());
            for (String filter : moving.subscriptions().keySet()) {
                s.unsubscribe(filter);
            }
            // Every loop passes the cut before the session is read: a publish that matched it before is in it.
            everyLoop().whenComplete((v, e) -> s.execute(() -> {
                RecoveredSession snapshot = SessionSnapshot.of(s);
                Map<String, io.midge.broker.persistence.StoredSubscription> subs = new java.util.LinkedHashMap<>();
                moving.subscriptions().forEach((f, o) -> subs.put(f, o.toStored()));
                snapshot = new RecoveredSession(snapshot.session(), snapshot.expiresAtMillis(), subs,
                        snapshot.queued(), snapshot.inflight(), snapshot.inboundQos2(), snapshot.nextSequence());
                SessionSnapshot.deliveries(s).forEach(moving.sent()::add);
                send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.SESSION, null,
                        snapshot), deadline);
                thread.schedule(() -> settle(clientId, moving, false), 3 * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            }));
        });
    }

    /**
     * The new node said whether it has the session, or it said nothing in time: the registry decides. Its entry
     * still this node's, the session is put back as it was; otherwise this node's copy goes, after the messages
     * that reached it since the cut went to the new owner.
     */
    private void settle(String clientId, Outgoing moving, boolean installed) {
        if (!outgoing.remove(clientId, moving)) {
            return;
        }
        SessionOwner owner = owners.get(clientId);
        Session s = moving.session();
        if (owner != null && owner.node().equals(self)) {
            log.warn("Session of '{}' did not move to node '{}'{}: it stays here", clientId, moving.to(),
                    installed ? "" : " (no word from it in time)");
            s.execute(() -> {
                if (!s.isEnded()) {
                    moving.subscriptions().forEach(s::subscribe);
                }
            });
            return;
        }
        s.execute(() -> {
            List<StoredDelivery> tail = new ArrayList<>();
            for (Delivery d : SessionSnapshot.deliveries(s)) {
                if (!moving.sent().contains(d)) {
                    tail.add(StoredMessages.toStored(d, StoredMessages.toStored(d.message())));
                }
            }
            if (!tail.isEmpty() && owner != null) {
                send(owner.node(), HandoverCodec.tail(clientId, tail),
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));
            }
            sessions.discard(s);
            log.info("Session of '{}' handed over to node '{}'", clientId, owner == null ? moving.to()
                    : owner.node());
        });
    }

    private void onDone(HandoverCodec.Frame done) {
        Outgoing moving = outgoing.get(done.clientId());
        if (moving != null && moving.requestId() == done.requestId()) {
            settle(done.clientId(), moving, done.flag());
        }
    }

    // ------------------------------------------------------------------ plumbing

    /** Completes once every event loop ran a task queued after this call. */
    private CompletableFuture<Void> everyLoop() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (EventExecutor loop : group) {
            CompletableFuture<Void> passed = new CompletableFuture<>();
            loop.execute(() -> passed.complete(null));
            all.add(passed);
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    /** Sends on the link to the node, waiting for it to come up until the deadline. */
    private CompletableFuture<Void> send(String node, byte[] message, long deadline) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        trySend(node, message, deadline, sent);
        return sent;
    }

    private void trySend(String node, byte[] message, long deadline, CompletableFuture<Void> sent) {
        NodeLink link = links.get(node);
        if (link != null && link.sendControl(TOPIC_PREFIX + node, message)) {
            sent.complete(null);
        } else if (System.nanoTime() - deadline > 0 || thread.isShutdown()) {
            sent.completeExceptionally(new IllegalStateException("no link to node '" + node + "'"));
        } else {
            thread.schedule(() -> trySend(node, message, deadline, sent), LINK_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void onThread(Runnable task) {
        if (!thread.isShutdown()) {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Session registry task failed: {}", e.toString(), e);
                }
            });
        }
    }

    /** A message from another node (publisher {@code $cluster/from/<node>}), on the link's loop. */
    private void received(String fromClientId, byte[] bytes) {
        if (fromClientId == null || !fromClientId.startsWith(NodeLink.LINK_PREFIX)) {
            return;
        }
        String from = fromClientId.substring(NodeLink.LINK_PREFIX.length());
        HandoverCodec.Frame frame;
        try {
            frame = HandoverCodec.read(bytes);
        } catch (IllegalArgumentException e) {
            log.warn("A session handover message from node '{}' could not be read: {}", from, e.getMessage());
            return;
        }
        switch (frame.kind()) {
            case HandoverCodec.REQUEST -> onThread(() -> onRequest(from, frame));
            case HandoverCodec.ANSWER -> {
                CompletableFuture<HandoverCodec.Frame> answer = waiting.get(frame.requestId());
                if (answer != null) {
                    answer.complete(frame);
                }
            }
            case HandoverCodec.DONE -> onThread(() -> onDone(frame));
            case HandoverCodec.TAIL -> appendTail(frame.clientId(), frame.tail());
            default -> log.warn("Unknown session handover message {} from node '{}'", frame.kind(), from);
        }
    }

    /** Where the handover messages land: a subscriber of {@code $cluster/session/#} in the local topic tree. */
    private final class Inbox implements Subscriber {
        @Override
        public String clientId() {
            return "midge-session-handover";
        }

        @Override
        public boolean isOnline() {
            return true;
        }

        @Override
        public boolean offer(Delivery delivery) {
            try {
                received(delivery.message().publisherId(), ByteBufUtil.getBytes(delivery.message().payload()));
            } finally {
                delivery.release();
            }
            return true;
        }
    }
}
