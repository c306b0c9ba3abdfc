package io.midge.broker.cluster;

import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Router;
import io.midge.broker.routing.Subscription;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.Topics;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarding queue of each other node: a persistent session {@code $cluster/to/<node>} in this node's registry,
 * subscribed to that node's routes. A message for the node is therefore routed, stored (before the publisher's
 * acknowledgement), queued, sent in order, re-sent after a reconnect and restored after a restart exactly as for a
 * client with a persistent session; the {@link NodeLink} to the node is its connection while it is up. A route
 * behind which the other node has no persistent session wanting QoS 1/2 ({@link RouteTable#CLEAN}) is a subscription
 * that is not {@link io.midge.broker.routing.Subscription#durable}: QoS 1 through it only is queued in memory, not
 * stored, as a single broker does for clean sessions; one queue either way, so a message matching both kinds is
 * one delivery (stored), and the order per publisher holds across both.
 *
 * <p>Threads: {@link #queue} and the route changes are called on the cluster's thread; they change a session on its
 * own loop.
 */
final class NodeQueues {
    private static final Logger log = LoggerFactory.getLogger(NodeQueues.class);
    static final String QUEUE_PREFIX = NodeClientIds.PREFIX + "to/";
    /**
     * A route as the queue subscribes to it: at QoS 2, so each message keeps its own QoS; its RETAIN flag kept, so
     * the other node stores what is retained; no retained messages sent on subscribing (every node has them all).
     */
    static final SubscriptionOptions ROUTE = new SubscriptionOptions(2, false, true, 2, 0);

    private final SessionRegistry sessions;
    private final Router router;
    private final EventLoopGroup group;
    private final ConcurrentHashMap<String, Session> queues = new ConcurrentHashMap<>();
    /**
     * By node, the routes its queue is subscribed to as clean ({@link RouteTable#CLEAN}): QoS 1 through them is not
     * stored. Every other subscription of a queue is durable, a restored one too until the route table says more.
     */
    private final ConcurrentHashMap<String, Set<String>> cleanRoutes = new ConcurrentHashMap<>();
    /**
     * By node, the filters a session move routes there ({@link #subscribeForMove}), each with the time until which
     * it stays: the move's old owner asks for them before the new owner's own routes may have reached this node's
     * copy of the route table (the new owner's cluster thread may be busy for seconds, a replicated map is only
     * eventually the same everywhere). Meanwhile {@link #reconcile} and a route's removal would take away from the
     * queue what the moving session is about to be sent here for, and what this node's publishers send in that time
     * would reach no node at all. Dropped when the route table's event adding the node's own route for the filter
     * arrives (it rules from then on), or once its time is up (then the next reconcile cleans up after a move that
     * came to nothing). Not when a sync reads the route, nor at an event that changes it: the session may have lived
     * on that node a moment before, and the route seen may be that stay's, whose removal is still on its way; ended
     * by it, the move's route went with that removal, and what this node's publishers sent until the new route came
     * reached no node (a way to lose an acknowledged message that fits one lost in a CI run of the move window
     * case). An adding event comes after every removal older than it.
     */
    private final ConcurrentHashMap<String, Map<String, Long>> moveRoutes = new ConcurrentHashMap<>();
    /** How long a move's route stays at least, waiting for the node's own route. */
    static final long MOVE_ROUTE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private final ShareIds shareIds = new ShareIds();

    private final long maxMessages;
    private final long maxBytes;

    NodeQueues(SessionRegistry sessions, Router router, EventLoopGroup group, long maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.sessions = sessions;
        this.router = router;
        this.group = group;
    }

    /** Takes up the queues the store held, after the sessions were restored. */
    void adoptRestored() {
        for (Session s : sessions.sessions()) {
            if (s.clientId().startsWith(QUEUE_PREFIX)) {
                s.subscriptions().forEach((filter, options) -> {
                    if (Topics.isSharedFilter(filter)) {
                        shareIds.restored(filter, options.subscriptionId());
                    }
                });
                s.queue().keepEverything(maxMessages, maxBytes);
                queues.put(s.clientId().substring(QUEUE_PREFIX.length()), s);
            }
        }
        if (!queues.isEmpty()) {
            log.info("Forwarding queues restored for nodes {}", queues.keySet());
        }
        publishEveryNode();
    }

    /**
     * How a queue subscribes to a route: a share group's with the group's identifier, so that the deliveries the
     * group chooses the queue for say which group chose them ({@link ShareIds}).
     */
    SubscriptionOptions options(String filter) {
        if (!Topics.isSharedFilter(filter)) {
            return ROUTE;
        }
        return new SubscriptionOptions(ROUTE.qos(), false, true, ROUTE.retainHandling(), shareIds.id(filter));
    }

    /** The shared filter a queue's delivery was chosen by, from its Subscription Identifier; or null. */
    String sharedFilter(int id) {
        return shareIds.filter(id);
    }

    /** The queue of a node, or null when there is none (yet). From any thread. */
    Session queueOf(String node) {
        return queues.get(node);
    }

    Set<String> nodes() {
        return queues.keySet();
    }

    /** The queue of a node, made (and stored) when it has none yet. On the cluster's thread. */
    Session queue(String node) {
        Session s = queues.get(node);
        if (s != null && !s.isEnded()) {
            return s;
        }
        CompletableFuture<Session> made = new CompletableFuture<>();
        sessions.open(QUEUE_PREFIX + node, false, group.next(), (session, present) -> session.execute(() -> {
            session.queue().keepEverything(maxMessages, maxBytes);
            session.setExpiryIntervalSeconds(SessionRegistry.NEVER_EXPIRES);
            session.setProtocolVersion(5);
            sessions.store().opened(session, !present, session.executor()).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Storing the forwarding queue of node '{}' failed: {}", node, e.toString());
                }
                made.complete(session);
            });
        }));
        try {
            s = made.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted making the queue of node " + node, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("making the queue of node " + node + " failed", e);
        }
        queues.put(node, s);
        log.info("Forwarding queue made for node '{}'", node);
        publishEveryNode();
        return s;
    }

    /**
     * A route of the node appeared ({@code added}) or changed: its queue subscribes to the filter (the subscription is
     * stored, so that the queue has it at once after a restart), durable as the route says.
     */
    void subscribe(String node, String filter, boolean durable, boolean added) {
        Session q = queue(node);
        q.execute(() -> {
            if (added) {
                unpin(node, filter); // the node's own route: it rules from now on (see #moveRoutes)
            }
            if (!q.isEnded() && subscribeRoute(node, q, filter, durable)) {
                stored(sessions.store().subscribed(q, Map.of(filter, options(filter)), q.executor()), node);
            }
        });
    }

    /**
     * A session moving to the node asks for its filters to be routed there now, ahead of the node's own routes
     * (see {@link #moveRoutes}), and so does the node for a new route of its own before its SUBACK
     * ({@link RouteAnnouncer}): the queue subscribes to them, {@code durable} as the route is (a moving session is
     * persistent: durable), and keeps them until the route table's event adding the node's own route for each
     * arrives, or {@link #MOVE_ROUTE_NANOS} passed. Completes once the
     * queue's subscription is in the topic tree (on the queue's loop): the move's passes over every loop must begin
     * only then, or a publish matched on another loop before the change, but after that loop's pass, is neither in
     * the old node's tail (its copy there arrives behind the mark) nor routed to the new node.
     */
    CompletableFuture<Void> subscribeForMove(String node, String filter, boolean durable) {
        Session q = queue(node);
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        q.execute(() -> {
            try {
                moveRoutes.computeIfAbsent(node, n -> new ConcurrentHashMap<>())
                        .put(filter, System.nanoTime() + MOVE_ROUTE_NANOS);
                if (!q.isEnded() && subscribeRoute(node, q, filter, durable)) {
                    stored(sessions.store().subscribed(q, Map.of(filter, options(filter)), q.executor()), node);
                }
            } finally {
                subscribed.complete(null);
            }
        });
        return subscribed;
    }

    /** Whether a move routes the filter to the node and its time is not up (on the queue's loop). */
    private boolean pinned(String node, String filter) {
        Map<String, Long> pins = moveRoutes.get(node);
        Long until = pins == null ? null : pins.get(filter);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until < 0) {
            return true;
        }
        pins.remove(filter, until);
        return false;
    }

    private void unpin(String node, String filter) {
        Map<String, Long> pins = moveRoutes.get(node);
        if (pins != null) {
            pins.remove(filter);
        }
    }

    /**
     * Subscribes the queue to a route, or changes whether it is durable (a replaced subscription: no message falls
     * between the two); true when the subscription is new. On the queue's loop.
     */
    private boolean subscribeRoute(String node, Session q, String filter, boolean durable) {
        Set<String> clean = cleanRoutes.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
        boolean existed = q.subscriptions().containsKey(filter);
        if (existed && durable != clean.contains(filter)) {
            return false; // as it is
        }
        q.subscribe(filter, options(filter), durable);
        if (durable) {
            clean.remove(filter);
        } else {
            clean.add(filter);
        }
        return !existed;
    }

    /** A route of the node went: its queue leaves the filter. */
    void unsubscribe(String node, String filter) {
        Session q = queues.get(node);
        if (q == null) {
            return;
        }
        q.execute(() -> {
            if (pinned(node, filter)) {
                // A move routes it there and the node's own route has not come yet: this removal is older than
                // the move (the sync removes it later if the node does not want it after all).
                log.debug("Route {} of node '{}' kept through its removal: a session moving there wants it", filter,
                        node);
                return;
            }
            forgetClean(node, filter);
            if (q.unsubscribe(filter)) {
                stored(sessions.store().unsubscribed(q, List.of(filter), q.executor()), node);
            }
        });
    }

    private void forgetClean(String node, String filter) {
        Set<String> clean = cleanRoutes.get(node);
        if (clean != null) {
            clean.remove(filter);
        }
    }

    /**
     * Makes the queue's subscriptions the node's routes (filter to durable): adds what is missing, makes each as
     * durable as its route and, when {@code complete} (the node announced all of its routes since it started),
     * removes what the node no longer has.
     */
    void reconcile(String node, Map<String, Boolean> routes, boolean complete) {
        Session q = queue(node);
        q.execute(() -> {
            if (q.isEnded()) {
                return;
            }
            Map<String, SubscriptionOptions> added = new java.util.LinkedHashMap<>();
            routes.forEach((filter, durable) -> {
                // A move's route stays (see #moveRoutes): this may be the node's route from before the move.
                if (subscribeRoute(node, q, filter, durable)) {
                    added.put(filter, options(filter));
                }
            });
            stored(sessions.store().subscribed(q, added, q.executor()), node);
            if (complete) {
                List<String> gone = new ArrayList<>();
                for (String filter : List.copyOf(q.subscriptions().keySet())) {
                    if (!routes.containsKey(filter) && !pinned(node, filter) && q.unsubscribe(filter)) {
                        forgetClean(node, filter);
                        gone.add(filter);
                    }
                }
                if (!gone.isEmpty()) {
                    log.debug("Node '{}' no longer wants {}", node, gone);
                    stored(sessions.store().unsubscribed(q, gone, q.executor()), node);
                }
            }
        });
    }

    /**
     * The link to a node is up (on its loop): the node's queue moves to that loop and the link is attached once the
     * session is stored as connected, as for a client's CONNACK; what was in flight is sent again, then the queue.
     */
    void attach(NodeLink link, EventLoop loop) {
        sessions.open(QUEUE_PREFIX + link.node, false, loop, (s, present) -> {
            s.queue().keepEverything(maxMessages, maxBytes);
            s.setExpiryIntervalSeconds(SessionRegistry.NEVER_EXPIRES);
            s.setProtocolVersion(5);
            if (!present) {
                queues.put(link.node, s);
                publishEveryNode();
            }
            sessions.store().opened(s, !present, loop).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Storing the forwarding queue of node '{}' failed: {}", link.node, e.toString());
                    link.close();
                    return;
                }
                if (!link.isOpen()) {
                    return; // closed meanwhile
                }
                link.attached(s);
                s.attach(link);
                log.info("Link to node '{}' at {} up; {} messages queued, {} in flight", link.node, link.address,
                        s.queue().pendingMessages(), s.queue().inflightCount());
            });
        });
    }

    /** The link closed (on its loop): its queue keeps what comes, in the store, until the next link. */
    void detach(NodeLink link) {
        Session s = link.session();
        if (s != null) {
            s.execute(() -> sessions.closed(s, link, null, 0));
        }
    }

    /** Every queue subscribes to every retained message: the router sends each one to every node. */
    private void publishEveryNode() {
        List<Subscription> all = new ArrayList<>();
        for (Session s : queues.values()) {
            all.add(new Subscription(s, ROUTE));
        }
        router.setEveryNode(all.toArray(new Subscription[0]));
    }

    private static void stored(CompletableFuture<Void> write, String node) {
        write.whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing a route of node '{}' failed: {}", node, e.toString());
            }
        });
    }
}
