package io.midge.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's new routes told to the other nodes directly, on the links, so that SUBACK can wait until every node linked
 * to forwards the filter here: a message published on any node after SUBACK then reaches the new subscription. The
 * route table alone could not promise that: a replicated map reaches the other nodes a moment later (milliseconds, or
 * seconds on a loaded machine), and a subscriber that published a request right after SUBACK missed a reply sent
 * from another node in that moment.
 *
 * <p>Each node that gets ROUTES subscribes its forwarding queue to this node to the filters, as a move does (as durable
 * as the route, and kept until this node's own route for them shows in its copy of the route table: {@link
 * NodeQueues#subscribeForMove}), and answers ROUTED. A node that does not answer within {@link #CONFIRM_MILLIS}
 * (slow, cut off, or an older Midge that does not know ROUTES) no longer holds SUBACK up: it gets the route from the
 * route table as before. Only a filter's first subscriber on this node announces it, and the first persistent session
 * subscribing at QoS 1/2 to a route that was clean (the other nodes then store what they forward through it before
 * acknowledging it); a later subscriber waits for that announcement while it is on its way.
 *
 * <p>Threads: {@link #expect} and {@link #spread} on any loop, {@link #onRoutes} on the session thread,
 * {@link #onRouted} on a link's loop.
 */
final class RouteAnnouncer {
    private static final Logger log = LoggerFactory.getLogger(RouteAnnouncer.class);
    /** How long a SUBACK waits at most for the other nodes to confirm a route. */
    static final long CONFIRM_MILLIS = 2_000;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Sends a handover message to a node (see {@link HandoverLinks#send}). */
    interface Sender {
        CompletableFuture<Void> send(String node, byte[] message, long deadline);
    }

    /** Subscribes the forwarding queue to a node to a filter, as durable as the route (see NodeQueues). */
    interface Ahead {
        CompletableFuture<Void> subscribe(String node, String filter, boolean durable);
    }

    /** The other nodes this node has a link up to. */
    private final Supplier<Set<String>> linked;
    private final Sender sender;
    /** Runs a task on the session thread after that many milliseconds. */
    private final ObjLongConsumer<Runnable> later;
    /** Subscribes the forwarding queue to a node to a filter ahead of the route table ({@link NodeQueues}). */
    private final Ahead subscribeAhead;
    private final AtomicLong ids = new AtomicLong();
    /** The announcements not confirmed by every node yet, by request identifier. */
    private final Map<Long, Announcement> pending = new ConcurrentHashMap<>();
    /** By filter, its announcement while it is on its way: a SUBACK for the filter waits for it. */
    private final Map<String, CompletableFuture<Void>> spreading = new ConcurrentHashMap<>();

    /** One route announced to the nodes linked to when it was made; done once each confirmed, or at the deadline. */
    record Announcement(long id, String filter, boolean durable, Set<String> unconfirmed,
                        CompletableFuture<Void> done) {
    }

    RouteAnnouncer(Supplier<Set<String>> linked, Sender sender, ObjLongConsumer<Runnable> later,
                   Ahead subscribeAhead) {
        this.linked = linked;
        this.sender = sender;
        this.later = later;
        this.subscribeAhead = subscribeAhead;
    }

    /**
     * A route this node did not have: notes its announcement, for SUBACKs to wait for, without sending anything yet
     * (called while the route table counts the filter's first subscriber, so that a second subscriber on another
     * loop finds it). Null when no other node is linked to.
     */
    Announcement expect(String filter, boolean durable) {
        Set<String> nodes = linked.get();
        if (nodes.isEmpty()) {
            return null;
        }
        Set<String> unconfirmed = ConcurrentHashMap.newKeySet();
        unconfirmed.addAll(nodes);
        Announcement a = new Announcement(ids.incrementAndGet(), filter, durable, unconfirmed,
                new CompletableFuture<>());
        pending.put(a.id, a);
        spreading.put(filter, a.done); // a newer announcement of the filter (it went and came back) is the one to wait for
        a.done.whenComplete((v, e) -> {
            pending.remove(a.id);
            spreading.remove(filter, a.done);
        });
        return a;
    }

    /** Sends an announcement {@link #expect} made to its nodes, and ends the wait for them at the deadline. */
    void announce(Announcement a) {
        byte[] frame;
        try {
            frame = HandoverCodec.routes(a.id, List.of(a.filter), a.durable);
        } catch (RuntimeException e) {
            // A filter too long for the link message's string field (65,535 bytes of modified UTF-8): the route
            // table alone carries it, as before announcements.
            log.warn("Route '{}...' not announced on the links: {}", a.filter.substring(0, Math.min(64,
                    a.filter.length())), e.toString());
            a.done.complete(null);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS);
        for (String node : Set.copyOf(a.unconfirmed)) {
            sender.send(node, frame, deadline);
        }
        later.accept(() -> {
            if (!a.done.isDone()) {
                log.debug("Route '{}' not confirmed within {} ms by node(s) {}: SUBACK goes without", a.filter,
                        CONFIRM_MILLIS, a.unconfirmed);
                a.done.complete(null);
            }
        }, CONFIRM_MILLIS);
    }

    /** Completes once the announcements of these routes (routed filters) on their way now are confirmed or expired. */
    CompletableFuture<Void> spread(Collection<String> routedFilters) {
        List<CompletableFuture<Void>> waits = null;
        for (String filter : routedFilters) {
            CompletableFuture<Void> f = spreading.get(filter);
            if (f != null) {
                if (waits == null) {
                    waits = new ArrayList<>(routedFilters.size());
                }
                waits.add(f);
            }
        }
        return waits == null ? DONE : CompletableFuture.allOf(waits.toArray(new CompletableFuture[0]));
    }

    /**
     * Another node's new routes (on the session thread): its queue takes them, as durable as they are (a clean one
     * taken as durable would have this node store what it forwards there until its next sync), then this node says
     * so.
     */
    void onRoutes(String from, HandoverCodec.Frame routes) {
        List<CompletableFuture<Void>> subscribed = new ArrayList<>(routes.filters().size());
        for (String filter : routes.filters()) {
            subscribed.add(subscribeAhead.subscribe(from, filter, routes.flag()));
        }
        CompletableFuture.allOf(subscribed.toArray(new CompletableFuture[0])).whenComplete((v, e) ->
                sender.send(from, HandoverCodec.routed(routes.requestId()),
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS)));
    }

    /** A node forwards what an announcement of this node named (on the link's loop). */
    void onRouted(String from, HandoverCodec.Frame routed) {
        Announcement a = pending.get(routed.requestId());
        if (a != null && a.unconfirmed.remove(from) && a.unconfirmed.isEmpty()) {
            a.done.complete(null);
        }
    }
}
