package io.midge.broker.bridge;

import io.midge.broker.routing.BridgeClientIds;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.QueueBounds;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound queue of a bridge: a persistent session {@code $bridge/<name>} that never expires, subscribed to the
 * out rules' local filters. A matching QoS 1/2 message is therefore stored in it before its publisher is
 * acknowledged, sent in order, re-sent after a reconnect and restored after a restart, exactly as for a client with a
 * persistent session (and as a cluster node's forwarding queue); the bridge's link is its connection while it is up.
 * Unlike a node's queue it has bounds of its own, with their own policy ({@link QueueBounds}).
 */
final class BridgeQueue {
    private static final Logger log = LoggerFactory.getLogger(BridgeQueue.class);

    private final String name;
    private final SessionRegistry sessions;
    private final QueueBounds bounds;
    private volatile Session session;
    private volatile List<String> openedFilters = List.of();

    BridgeQueue(String name, SessionRegistry sessions, QueueBounds bounds) {
        this.name = name;
        this.sessions = sessions;
        this.bounds = bounds;
    }

    static String clientId(String bridge) {
        return BridgeClientIds.PREFIX + bridge;
    }

    String clientId() {
        return clientId(name);
    }

    /** The session, once {@link #open} made or found it. */
    Session session() {
        return session;
    }

    /**
     * Makes the queue (or takes up the one the store held) on {@code loop} and makes its subscriptions those given
     * ({@code null}: keeps those it has); waits until that is stored, so that the broker takes no message for the
     * bridge it would not keep.
     */
    void open(EventLoop loop, Map<String, SubscriptionOptions> subscriptions) {
        CompletableFuture<Session> made = new CompletableFuture<>();
        sessions.open(clientId(), false, loop, (s, present) -> s.execute(() -> {
            prepare(s);
            sessions.store().opened(s, !present, s.executor()).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Storing the queue of bridge '{}' failed: {}", name, e.toString());
                }
                (subscriptions == null ? CompletableFuture.<Void>completedFuture(null) : reconcile(s, subscriptions))
                        .whenComplete((v2, e2) -> s.execute(() -> {
                            openedFilters = List.copyOf(s.subscriptions().keySet()); // read on the queue's loop
                            made.complete(s);
                        }));
            });
        }));
        try {
            session = made.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted making the queue of bridge " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("making the queue of bridge " + name + " failed", e);
        }
        Session s = session;
        log.info("Bridge '{}': outbound queue {} holds {} messages", name, clientId(), s.queue().pendingMessages()
                + s.queue().inflightCount());
    }

    private void prepare(Session s) {
        s.queue().bound(bounds);
        s.queue().withoutQos1InflightRecords(); // the queue entry is what keeps a message until the remote's PUBACK
        s.setExpiryIntervalSeconds(SessionRegistry.NEVER_EXPIRES);
        s.setProtocolVersion(5); // keeps the properties of what it queues
    }

    /** Makes the session's subscriptions the given ones, durably (on its loop). */
    private CompletableFuture<Void> reconcile(Session q, Map<String, SubscriptionOptions> wanted) {
        Map<String, SubscriptionOptions> added = new LinkedHashMap<>();
        wanted.forEach((filter, options) -> {
            if (!options.equals(q.subscriptions().get(filter))) {
                q.subscribe(filter, options);
                added.put(filter, options);
            }
        });
        List<String> gone = new ArrayList<>();
        for (String filter : List.copyOf(q.subscriptions().keySet())) {
            if (!wanted.containsKey(filter) && q.unsubscribe(filter)) {
                gone.add(filter);
            }
        }
        CompletableFuture<Void> a = added.isEmpty() ? CompletableFuture.completedFuture(null)
                : sessions.store().subscribed(q, added, q.executor());
        CompletableFuture<Void> b = gone.isEmpty() ? CompletableFuture.completedFuture(null)
                : sessions.store().unsubscribed(q, gone, q.executor());
        return CompletableFuture.allOf(a, b).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing the subscriptions of bridge '{}' failed: {}", name, e.toString());
            }
        });
    }

    /** The queue's filters (and so its routes, on a cluster) as the last {@link #open} left them. */
    List<String> filters() {
        return openedFilters;
    }

    /**
     * Leaves every filter, durably, if {@code still} says so on the queue's loop (where {@link #open} changes them
     * too, so that a later open is not undone); completes once stored (or at once, when not).
     */
    CompletableFuture<Void> leaveFilters(BooleanSupplier still) {
        Session s = session;
        if (s == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> left = new CompletableFuture<>();
        s.execute(() -> {
            if (!still.getAsBoolean() || s.isEnded()) {
                left.complete(null);
                return;
            }
            reconcile(s, Map.of()).whenComplete((v, e) -> left.complete(null));
        });
        return left;
    }

    /**
     * The link is up (on its loop): the queue moves to that loop and the link is attached once the session is stored
     * as connected; what was in flight is sent again, then what is queued.
     */
    void attach(BridgeLink link, EventLoop loop, Runnable attached) {
        sessions.open(clientId(), false, loop, (s, present) -> {
            prepare(s);
            session = s;
            sessions.store().opened(s, !present, loop).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Storing the queue of bridge '{}' failed: {}", name, e.toString());
                    link.close();
                    return;
                }
                if (!link.isOpen()) {
                    return;
                }
                link.attached(s);
                s.attach(link);
                attached.run();
            });
        });
    }

    /** The link closed (on its loop): the queue keeps what comes, in the store, until the next link. */
    void detach(BridgeLink link) {
        Session s = link.session();
        if (s != null) {
            link.attached(null);
            s.execute(() -> sessions.closed(s, link, null, 0));
        }
    }

    /** The bridge is gone for good: the queue and what it holds are dropped, in the store too. */
    CompletableFuture<Void> discard() {
        Session s = sessions.get(clientId());
        if (s == null) {
            return CompletableFuture.completedFuture(null);
        }
        int held = s.queue().pendingMessages() + s.queue().inflightCount();
        if (held > 0) {
            log.warn("Bridge '{}' removed: the {} messages its queue held are dropped", name, held);
        }
        return sessions.discard(s);
    }

    int queued() {
        Session s = session;
        return s == null ? 0 : s.queue().pendingMessages() + s.queue().inflightCount();
    }

    long queuedBytes() {
        Session s = session;
        return s == null ? 0 : s.queue().pendingBytes();
    }
}
