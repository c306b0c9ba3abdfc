package io.midge.broker.cluster;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.BridgeClientIds;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.TopicTree;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.broker.session.SessionRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
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
 * <p>The parts: {@link HandoverAsking} (the node a client connects to), {@link HandoverGiving} (the owner asked for
 * a session; {@link PendingTails} keeps the tail it sent until the new owner stored it), {@link HandoverLinks} (the
 * messages between them, and the {@code midge-sessions} thread that runs
 * the steps, which go on as the registry answers, never waiting for it; sessions are changed on their own loops;
 * nothing blocks a loop).
 * Here: the gate the sessions open through, and fencing.
 */
final class SessionHandover implements SessionGate, HandoverLinks.Receiver {
    private static final Logger log = LoggerFactory.getLogger(SessionHandover.class);
    /** How long a connecting client waits for the session to arrive from its owner. */
    static final long TIMEOUT_MILLIS = 10_000;

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    private final HandoverGiving giving;
    private final HandoverAsking asking;
    /** The tails this node sent as an old owner, until their new owners say they stored them. */
    private final PendingTails tails;
    private final ForwardedBacklog backlog;
    private final RouteAnnouncer announcer;
    /** Sessions this node is opening (claiming or fetching): the registry's changes are its own doing. */
    private final Set<String> opening = ConcurrentHashMap.newKeySet();

    /**
     * The session registry on Hazelcast: an IMap with a synchronous backup on every other node (up to 6), so that it
     * survives any minority of the nodes dying at once; a handover over it that hears each change of an owner and
     * the cluster's merge after a split.
     */
    static SessionHandover start(HazelcastInstance hazelcast, int clusterSize, String self, SessionRegistry sessions,
                                 NodeQueues queues, LongSupplier forwardIds, EventLoopGroup group,
                                 Predicate<String> isMember) {
        String name = "midge.sessions";
        try {
            hazelcast.getConfig().addMapConfig(new MapConfig(name)
                    .setBackupCount(Math.min(6, Math.max(0, clusterSize - 1))));
        } catch (RuntimeException e) {
            log.debug("Session registry configured already: {}", e.toString());
        }
        IMap<String, String> map = hazelcast.getMap(name);
        SessionHandover handover = new SessionHandover(self, new SessionOwners(map, self), sessions, queues,
                forwardIds, group, isMember);
        map.addEntryListener((EntryUpdatedListener<String, String>) e -> handover.ownerChanged(e.getKey()), false);
        map.addEntryListener((EntryAddedListener<String, String>) e -> handover.ownerChanged(e.getKey()), false);
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                handover.merged();
            }
        });
        return handover;
    }

    SessionHandover(String self, SessionOwners owners, SessionRegistry sessions, NodeQueues queues,
                    LongSupplier forwardIds, EventLoopGroup group, Predicate<String> isMember) {
        this.self = self;
        this.owners = owners;
        this.sessions = sessions;
        this.links = new HandoverLinks(group);
        this.tails = new PendingTails(owners::getAsync, links::send, System::nanoTime);
        links.thread().scheduleWithFixedDelay(() -> links.onThread(tails::tick), PendingTails.RESEND_MILLIS,
                PendingTails.RESEND_MILLIS, TimeUnit.MILLISECONDS);
        RouteSwitch routes = new RouteSwitch(self, sessions, links, queues, forwardIds);
        this.giving = new HandoverGiving(self, owners, sessions, links, routes, forwardIds, opening, tails);
        this.asking = new HandoverAsking(self, owners, sessions, links, isMember, giving, opening);
        this.backlog = new ForwardedBacklog(self, links::send, () -> links.passes(sessions.store().persistence()),
                routes::routeTo);
        this.announcer = new RouteAnnouncer(links::nodes, links::send, links::later, queues::subscribeForMove);
    }

    /** What tells the other nodes of this node's new routes, before SUBACK. */
    RouteAnnouncer announcer() {
        return announcer;
    }

    /**
     * Completes once what {@code nodes} had queued for this node when asked arrived here (each routes {@code filters}
     * to {@code to}, then marks its queue to this node, as a move's nodes do; see {@link ForwardedBacklog}); bounded,
     * never fails.
     */
    CompletableFuture<Void> backlogArrived(Collection<String> nodes, String to, List<String> filters, String why) {
        return backlog.arrived(nodes, to, filters, why);
    }

    /** Takes the handover messages other nodes send this one (they arrive on the link listener, as QoS 0). */
    void listen(TopicTree tree) {
        links.listen(tree, this);
    }

    void linkUp(NodeLink link) {
        links.linkUp(link);
        tails.linkUp(link.node);
    }

    void linkDown(NodeLink link) {
        links.linkDown(link);
    }

    void close() {
        links.close();
    }

    // ------------------------------------------------------------------ fencing

    /**
     * After the store's sessions were restored, before their wills: each is reclaimed in the registry under the epoch
     * stored with it, and the highest epoch wins ({@link SessionOwners#reclaim}). A session whose entry is another
     * node's under the same or a higher epoch is a stale copy (its owner moved it on while this node was down, or
     * this node lost it in a move and kept it on disk): it is dropped, without its will. First, a session that moved
     * here drops again the copies it dropped before ({@link MovedTail#restored}). Waits for the registry's
     * answers (at most {@link #TIMEOUT_MILLIS}; a session not answered by then is fenced later, as the registry
     * changes). Returns the client identifiers of the copies dropped, whose stored wills are void.
     */
    Set<String> fenceRestored() {
        for (Session s : List.copyOf(sessions.sessions())) {
            MovedTail.restored(s, self); // its copies still on their way are dropped as before the restart
        }
        Set<String> stale = ConcurrentHashMap.newKeySet();
        try {
            reclaim(stale).get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Reclaiming the restored sessions in the cluster's registry: {}", e.toString());
        }
        return Set.copyOf(stale);
    }

    /**
     * This node's part of the cluster merged into another part after a network split (or nodes started at once
     * formed separate clusters first): the merged registry kept the other part's entries, so each session here is
     * reclaimed again under its epoch, and the highest epoch wins as at start.
     */
    void merged() {
        links.onThread(() -> reclaim(ConcurrentHashMap.newKeySet()));
    }

    /** Reclaims every client session of this node under its epoch; drops (and adds to {@code stale}) those lost. */
    private CompletableFuture<Void> reclaim(Set<String> stale) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Session s : List.copyOf(sessions.sessions())) {
            String clientId = s.clientId();
            if (!registered(clientId) || s.isEnded() || opening.contains(clientId)
                    || giving.isMoving(clientId)) {
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
                        return drop(sessions, s);
                    }));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    /** The other nodes the route table says are up, members now or not (see {@link HandoverLinks#announced}). */
    void announced(Set<String> nodes) {
        links.announced(nodes);
    }

    /** The registry entry of a client changed, on some node (from Hazelcast's event thread). */
    void ownerChanged(String clientId) {
        if (registered(clientId)) {
            links.onThread(() -> fence(clientId));
        }
    }

    /**
     * Whether the registry holds the session: a client's does; a node's forwarding queue and a bridge's queue are
     * each node's own (a bridge moves by its own rule, see {@link BridgeHost}).
     */
    private static boolean registered(String clientId) {
        return !NodeClientIds.isNode(clientId) && !BridgeClientIds.isBridge(clientId);
    }

    private void fence(String clientId) {
        Session s = sessions.get(clientId);
        if (s == null || s.isEnded() || opening.contains(clientId) || giving.isMoving(clientId)) {
            return;
        }
        links.whenDone(owners.getAsync(clientId), (owner, error) -> {
            if (error != null) {
                log.warn("Session of '{}': the registry did not say who owns it: {}", clientId, error.toString());
                return;
            }
            // Read again, as the answer took a while: a session opened here meanwhile holds a newer epoch than the
            // entry read, and stays.
            if (sessions.get(clientId) != s || s.isEnded() || opening.contains(clientId) || giving.isMoving(clientId)
                    || owner == null || owner.node().equals(self) || owner.epoch() < s.clusterEpoch()) {
                return;
            }
            log.info("Session of '{}' belongs to node '{}' (epoch {}): this node's stale copy is dropped", clientId,
                    owner.node(), owner.epoch());
            drop(sessions, s);
        });
    }

    /** Ends this node's copy of a session that lives elsewhere: no will of it goes out here, its connection closes. */
    static CompletableFuture<Void> drop(SessionRegistry sessions, Session s) {
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

    // ------------------------------------------------------------------ the gate

    @Override
    public CompletableFuture<Refusal> beforeOpen(String clientId, boolean cleanStart, boolean persistent,
                                                 EventLoop loop) {
        return asking.beforeOpen(clientId, cleanStart, persistent, loop);
    }

    @Override
    public long epoch(String clientId) {
        return asking.epoch(clientId);
    }

    @Override
    public void ended(String clientId) {
        if (registered(clientId)) {
            links.onThread(() -> {
                Session s = sessions.get(clientId);
                if ((s == null || s.isEnded()) && !opening.contains(clientId)) {
                    links.whenDone(owners.release(clientId), (v, e) -> {
                        Session again = sessions.get(clientId);
                        if (again != null && !again.isEnded()) {
                            // Opened here meanwhile (its claim came just before the release): claimed again.
                            owners.claimIfFreeOrMine(clientId, again.expiryIntervalSeconds() > 0);
                        }
                    });
                }
            });
        }
    }

    // ------------------------------------------------------------------ what other nodes send

    @Override
    public void request(String from, HandoverCodec.Frame request) {
        giving.onRequest(from, request);
    }

    @Override
    public void answer(HandoverCodec.Frame answer) {
        asking.onAnswer(answer);
    }

    @Override
    public void done(HandoverCodec.Frame done) {
        giving.onDone(done);
    }

    @Override
    public void tail(String from, HandoverCodec.Frame tail) {
        asking.onTail(from, tail);
    }

    @Override
    public void tailStored(String from, HandoverCodec.Frame stored) {
        tails.stored(from, stored.requestId());
    }

    @Override
    public void route(String from, HandoverCodec.Frame route) {
        giving.onRoute(from, route);
    }

    @Override
    public void mark(String from, HandoverCodec.Frame mark) {
        if (ForwardedBacklog.isOurs(mark)) {
            backlog.onMark(from, mark);
            return;
        }
        giving.onMark(from, mark);
    }

    @Override
    public void routes(String from, HandoverCodec.Frame routes) {
        announcer.onRoutes(from, routes);
    }

    @Override
    public void routed(String from, HandoverCodec.Frame routed) {
        announcer.onRouted(from, routed);
    }
}
