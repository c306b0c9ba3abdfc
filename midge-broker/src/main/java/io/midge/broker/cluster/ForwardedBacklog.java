package io.midge.broker.cluster;

import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.session.SessionRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until what the other nodes had queued for this node arrived here: each node is asked for a mark in its
 * forwarding queue to this node, behind everything it routed here before (the session move's ROUTE with no filters:
 * {@link HandoverGiving#onRoute} routes nothing new, lets its loops and store pass, and queues the mark), and once
 * every mark is in, this node's loops and store pass what the marks followed, so that it sits in the sessions it
 * matched. Why: a bridge's restarted node keeps its queue subscribed until then, as what the others forwarded to it
 * while it was down matched that queue's route, and a message that arrived after the queue left its filters would be
 * lost (see {@code Bridge#standBy}).
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

    private final String self;
    private final HandoverLinks links;
    private final SessionRegistry sessions;
    private final AtomicLong requests = new AtomicLong();
    /** By request, the nodes whose marks are still due. */
    private final Map<Long, Set<String>> due = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> done = new ConcurrentHashMap<>();

    ForwardedBacklog(String self, HandoverLinks links, SessionRegistry sessions) {
        this.self = self;
        this.links = links;
        this.sessions = sessions;
    }

    /**
     * Completes once each of {@code nodes} (this one left out) has delivered here what it had queued for this node
     * when asked, or was given up on; never fails. {@code why} names the waiter in the log.
     */
    CompletableFuture<Void> arrived(Collection<String> nodes, String why) {
        long id = requests.incrementAndGet();
        Set<String> waiting = ConcurrentHashMap.newKeySet();
        waiting.addAll(nodes);
        waiting.remove(self);
        CompletableFuture<Void> marked = new CompletableFuture<>();
        due.put(id, waiting);
        done.put(id, marked);
        long started = System.nanoTime();
        byte[] ask = HandoverCodec.route(id, CLIENT_ID, self, List.of());
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(SEND_MILLIS);
        for (String node : List.copyOf(waiting)) {
            links.send(node, ask, deadline).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("{}: no link to node '{}' within {} ms; what it queued for this node is not waited for",
                            why, node, SEND_MILLIS);
                    marked(id, node);
                }
            });
        }
        check(id);
        return marked.orTimeout(WAIT_MILLIS, TimeUnit.MILLISECONDS).handle((v, e) -> {
            due.remove(id);
            done.remove(id);
            if (e != null) {
                log.warn("{}: nodes {} did not deliver what they queued for this node within {} ms; not waited for "
                        + "any longer", why, waiting, WAIT_MILLIS);
            } else {
                log.info("{}: what the other nodes queued for this node arrived after {} ms", why,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            return null;
        }).thenCompose(v -> links.everyLoop()).thenCompose(v -> sessions.store().persistence().barrier())
                .thenCompose(v -> links.everyLoop()).exceptionally(e -> null);
    }

    /** Whether a MARK answers one of these asks (rather than a session move's ROUTE). */
    static boolean isOurs(HandoverCodec.Frame mark) {
        return CLIENT_ID.equals(mark.clientId());
    }

    /** A node's mark came, behind what it queued for this node before the ask (on the link's loop). */
    void onMark(String from, HandoverCodec.Frame mark) {
        marked(mark.requestId(), from);
    }

    private void marked(long id, String node) {
        Set<String> waiting = due.get(id);
        if (waiting != null) {
            waiting.remove(node);
            check(id);
        }
    }

    private void check(long id) {
        Set<String> waiting = due.get(id);
        CompletableFuture<Void> marked = done.get(id);
        if (waiting != null && marked != null && waiting.isEmpty()) {
            marked.complete(null);
        }
    }
}
