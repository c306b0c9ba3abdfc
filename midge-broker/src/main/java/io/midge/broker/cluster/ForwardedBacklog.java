package io.midge.broker.cluster;

import io.midge.broker.routing.NodeClientIds;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until what the other nodes had queued for this node arrived here: each node is asked for a mark in its
 * forwarding queue to this node, behind everything it routed here before (the session move's ROUTE:
 * {@link RouteSwitch#onRoute} routes the filters given to the node given, lets its loops and store pass, and
 * queues the mark), and once every mark is in, this node's loops and store pass what the marks followed, so that it
 * sits in the sessions it matched. Why: a bridge's restarted node keeps its queue subscribed until then, as what the
 * others forwarded to it while it was down matched that queue's route, and a message that arrived after the queue
 * left its filters would be lost (see {@code Bridge#standBy}). The filters go to the bridge's new host with the ask,
 * as a move's go to the new owner: a node whose copy of the route table does not show the new host's route yet
 * (a hand-over in a running cluster, or a restart quicker than the takeover) routes them there before it marks, so a
 * message it routes after its mark reaches the new host, whatever becomes of this node's route.
 *
 * <p>Bounded: a node without a link from here within {@link #SEND_MILLIS} is not waited for, nor is one whose mark
 * has not come within {@link #WAIT_MILLIS} (its backlog may be huge, or it died); both logged with the node.
 */
final class ForwardedBacklog {
    private static final Logger log = LoggerFactory.getLogger(ForwardedBacklog.class);
    /** The client identifier the asks and marks carry: no session has it, so no move takes them for its own. */
    static final String CLIENT_ID = NodeClientIds.PREFIX + "backlog";
    /** How long an ask waits for the link to a node to come up (a restarted node dials the others as it starts). */
    static final long SEND_MILLIS = 10_000;
    /** How long the marks are waited for in all. */
    static final long WAIT_MILLIS = 60_000;

    /** Sends on the link to a node, waiting for it until the deadline ({@link HandoverLinks#send}). */
    interface Sender {
        CompletableFuture<Void> send(String node, byte[] message, long deadlineNanos);
    }

    private final String self;
    private final Sender links;
    /** Every loop, then the store, then every loop again passed what was handed to them before. */
    private final Supplier<CompletableFuture<Void>> passes;
    /** {@link RouteSwitch#routeTo}: this node's own queue to the new host takes the filters too. */
    private final BiFunction<String, List<String>, CompletableFuture<Void>> routeTo;
    private final AtomicLong requests = new AtomicLong();
    private final Map<Long, Asked> asked = new ConcurrentHashMap<>();

    /** One ask: the nodes whose marks are still due, those given up on (no link), and its end. */
    private record Asked(Set<String> due, Set<String> givenUp, CompletableFuture<Void> marked) {
    }

    ForwardedBacklog(String self, Sender links, Supplier<CompletableFuture<Void>> passes,
                     BiFunction<String, List<String>, CompletableFuture<Void>> routeTo) {
        this.self = self;
        this.links = links;
        this.passes = passes;
        this.routeTo = routeTo;
    }

    /**
     * Completes once each of {@code nodes} (this one left out) has delivered here what it had queued for this node
     * when asked, or was given up on; never fails. Each node, this one too, routes {@code filters} to node {@code to}
     * first (none when {@code to} is this node). {@code why} names the waiter in the log.
     */
    CompletableFuture<Void> arrived(Collection<String> nodes, String to, List<String> filters, String why) {
        long id = requests.incrementAndGet();
        Asked ask = new Asked(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(), new CompletableFuture<>());
        ask.due().addAll(nodes);
        ask.due().remove(self);
        asked.put(id, ask);
        long started = System.nanoTime();
        List<String> routed = to.equals(self) ? List.of() : List.copyOf(filters);
        byte[] frame = HandoverCodec.route(id, CLIENT_ID, to, routed);
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(SEND_MILLIS);
        for (String node : List.copyOf(ask.due())) {
            links.send(node, frame, deadline).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("{}: no link to node '{}' within {} ms; what it queued for this node is not waited for",
                            why, node, SEND_MILLIS);
                    ask.givenUp().add(node);
                    marked(id, node);
                }
            });
        }
        CompletableFuture<Void> here = routed.isEmpty() ? CompletableFuture.completedFuture(null)
                : routeTo.apply(to, routed);
        marked(id, null);
        return CompletableFuture.allOf(here, ask.marked()).orTimeout(WAIT_MILLIS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> {
                    asked.remove(id);
                    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    if (e != null) {
                        log.warn("{}: nodes {} did not deliver what they queued for this node within {} ms; not "
                                + "waited for any longer", why, ask.due(), WAIT_MILLIS);
                    } else if (ask.givenUp().isEmpty()) {
                        log.info("{}: what the other nodes queued for this node arrived after {} ms", why, took);
                    } else {
                        log.info("{}: what the other nodes queued for this node arrived after {} ms, but for nodes {} "
                                + "(no link)", why, took, ask.givenUp());
                    }
                    return null;
                }).thenCompose(v -> passes.get()).exceptionally(e -> null);
    }

    /** Whether a MARK answers one of these asks (rather than a session move's ROUTE). */
    static boolean isOurs(HandoverCodec.Frame mark) {
        return CLIENT_ID.equals(mark.clientId());
    }

    /** A node's mark came, behind what it queued for this node before the ask (on the link's loop). */
    void onMark(String from, HandoverCodec.Frame mark) {
        marked(mark.requestId(), from);
    }

    /** That node's mark is in, or it is given up on (null: none, just check). */
    private void marked(long id, String node) {
        Asked ask = asked.get(id);
        if (ask != null) {
            if (node != null) {
                ask.due().remove(node);
            }
            if (ask.due().isEmpty()) {
                ask.marked().complete(null);
            }
        }
    }
}
