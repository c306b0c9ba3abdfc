package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredWill;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.midge.codec.Topics;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every session by client identifier: opens, takes over, resumes, expires and ends them. A session is ended on its
 * own loop: its subscriptions leave the topic tree, its messages are released, and a will still waiting is
 * published.
 */
public final class SessionRegistry {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);
    /** The Session Expiry Interval that means "never" (MQTT 5.0 3.1.2.11.2). */
    public static final long NEVER_EXPIRES = 0xFFFF_FFFFL;

    /**
     * A hash map: touched at every connect and disconnect. The order the management API pages through is kept apart
     * ({@link SortedView}), told of each change here and sorted only when read.
     */
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final SortedView<Session> sorted = new SortedView<>(sessions);
    private final TopicTree topicTree;
    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final SessionServices services;
    private final Consumer<Message> willPublisher;
    private final SessionStore store;
    private final SharedHandOn sharedHandOn;
    private volatile boolean closing;
    /** The cluster's say on which node owns a session; null without a cluster. */
    private volatile SessionGate gate;

    /** The outcome of opening a session for a new connection. */
    public interface OpenCallback {
        /** Called on the new connection's loop, which the session now belongs to. */
        void opened(Session session, boolean sessionPresent);
    }

    public SessionRegistry(TopicTree topicTree, BrokerConfig config, BrokerMetrics metrics,
                           Consumer<Message> willPublisher, SessionStore store) {
        this.topicTree = topicTree;
        this.config = config;
        this.metrics = metrics;
        this.willPublisher = willPublisher;
        this.store = store;
        this.services = new SessionServices(config, metrics, store.persistence(), topicTree);
        this.sharedHandOn = new SharedHandOn(topicTree, metrics);
    }

    public SessionStore store() {
        return store;
    }

    /**
     * Brings back a session the store held, offline, on {@code loop} (call it there, before clients connect): its
     * subscriptions go into the topic tree, its queue and in-flight messages back in order (a client that resumes
     * gets the in-flight ones again with DUP), and its expiry counts on from when its client left.
     */
    public void restore(RecoveredSession recovered, EventLoop loop) {
        Session session = new Session(recovered.clientId(), loop, services);
        session.setExpiryIntervalSeconds(recovered.session().expiryIntervalSeconds());
        session.setProtocolVersion(recovered.session().protocolVersion());
        session.setClusterEpoch(recovered.session().clusterEpoch());
        session.setStored(true);
        recovered.subscriptions().forEach((filter, stored) ->
                session.subscribe(filter, SubscriptionOptions.fromStored(stored)));
        for (int packetId : recovered.inboundQos2()) {
            session.inboundQos2().add(packetId);
        }
        for (InflightDelivery d : recovered.inflight()) {
            session.transfer().restoreInflight(d.packetId(), d.sequence(),
                    d.delivery() == null ? null : StoredMessages.fromStored(d.delivery(), d.sequence()));
        }
        for (QueuedDelivery d : recovered.queued()) {
            session.transfer().restoreQueued(StoredMessages.fromStored(d.delivery(), d.sequence()));
        }
        session.transfer().restoreNextSequence(recovered.nextSequence());
        // The cluster applies it again (its copies are dropped as they arrive) before other nodes link up.
        session.transfer().movedCopies(recovered.movedCopies());
        sessions.put(session.clientId(), session);
        sorted.changed(session.clientId());
        if (recovered.expiresAtMillis() != Long.MAX_VALUE) {
            long left = Math.max(0, recovered.expiresAtMillis() - System.currentTimeMillis());
            scheduleExpiry(session, left, TimeUnit.MILLISECONDS);
        }
    }

    /** What the cluster says before a session opens here, and hears when one ends; null without a cluster. */
    public SessionGate gate() {
        return gate;
    }

    public void setGate(SessionGate gate) {
        this.gate = gate;
    }

    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public int size() {
        return sessions.size();
    }

    public Collection<Session> sessions() {
        return sessions.values();
    }

    /**
     * Every session by client identifier, in its order; read-only, safe to walk from any thread. It is brought up to
     * date by the call, at the cost of the connects and closes since the last one (see {@link SortedView}): for
     * the management API, not for a hot path.
     */
    public NavigableMap<String, Session> byClientId() {
        return sorted.sorted();
    }

    /**
     * Ends a session now, as its expiry would (from any thread; done on the session's loop): its subscriptions,
     * queue and stored record go; a will still waiting is published. A connection still attached should have been
     * closed first on the same loop (the management API's kick does so). The future completes once it is done.
     */
    public CompletableFuture<Void> discard(Session session) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.execute(() -> {
            endOnLoop(session, true);
            done.complete(null);
        });
        return done;
    }

    /** Sessions with a connection attached now; the rest of {@link #size} wait offline. A counter, not a walk. */
    public int connectedCount() {
        return (int) Math.max(0, metrics.sessionsOnline.sum());
    }

    /**
     * Opens the session of {@code clientId} for a connection on {@code loop} (the caller's loop). With clean start,
     * or when there is none, a new session replaces any old one; otherwise the existing session moves to the loop.
     * Either way a connection still attached to the old session is closed (session takeover).
     */
    public void open(String clientId, boolean cleanStart, EventLoop loop, OpenCallback callback) {
        // A clean start replaces whatever is there: the put below finds it, no lookup before (one walk of the
        // sorted map fewer, on the path of every connection).
        Session existing = cleanStart ? null : sessions.get(clientId);
        if (existing == null) {
            Session fresh = new Session(clientId, loop, services);
            Session previous = sessions.put(clientId, fresh);
            sorted.changed(clientId);
            // The store's record of the replaced session is the new one's to remove or overwrite; publishers stop
            // queueing for the old one in the store at once.
            fresh.setStored(previous != null && previous.isStored());
            if (previous != null) {
                previous.setStored(false);
            }
            if (previous != null) {
                previous.execute(() -> {
                    previous.kickConnection();
                    endOnLoop(previous, false);
                });
            }
            callback.opened(fresh, false);
            return;
        }
        existing.execute(() -> {
            if (existing.isEnded()) {
                // It expired in the meantime: start over, now without it.
                loop.execute(() -> open(clientId, cleanStart, loop, callback));
                return;
            }
            if (existing.expiryIntervalSeconds() == 0) {
                // That session ends with its connection (MQTT-3.1.2-6; 5.0 Session Expiry 0): nothing of it is
                // resumed, so the newcomer starts afresh, as after a clean start.
                loop.execute(() -> open(clientId, true, loop, callback));
                return;
            }
            existing.kickConnection();
            existing.moveTo(loop, () -> callback.opened(existing, true));
        });
    }

    /**
     * The connection of a session closed (on the session's loop). A session with expiry 0 ends now; others wait
     * for their Session Expiry Interval with no connection. A will is published now, after its delay, or when the
     * session ends, whichever comes first.
     */
    public void closed(Session session, SessionConnection connection, Message will, long willDelaySeconds) {
        if (closing && session.isStored()) {
            // The broker is stopping and the session lives on in the store: so does its will, published after
            // the restart once due, not now.
            session.detach(connection);
            if (will != null) {
                long delay = Math.min(willDelaySeconds, Math.min(session.expiryIntervalSeconds(),
                        config.protocol().maxSessionExpiry()));
                store.willPending(session, will, System.currentTimeMillis() + delay * 1000);
                will.payload().release();
            }
            store.wentOffline(session);
            return;
        }
        if (!session.detach(connection)) {
            // Taken over. The old connection ended without DISCONNECT, so its will goes out, unless it has a delay
            // and the session lives on in the new connection (MQTT 5.0 3.1.3.2.2).
            if (willDelaySeconds == 0 || session.isEnded()) {
                publishWill(will);
            } else if (will != null) {
                will.payload().release();
            }
            return;
        }
        long expiry = Math.min(session.expiryIntervalSeconds(), config.protocol().maxSessionExpiry());
        if (will != null) {
            if (willDelaySeconds == 0 || expiry == 0) {
                publishWill(will);
            } else {
                long delay = Math.min(willDelaySeconds, expiry);
                store.willPending(session, will, System.currentTimeMillis() + delay * 1000);
                scheduleWill(session, will, delay * 1000);
            }
        }
        if (expiry == 0) {
            endOnLoop(session, true);
            return;
        }
        store.wentOffline(session);
        if (expiry != NEVER_EXPIRES) {
            scheduleExpiry(session, expiry, TimeUnit.SECONDS);
        }
    }

    /** Holds the will of an offline session and publishes it after the delay, unless a client attached meanwhile. */
    private void scheduleWill(Session session, Message will, long delayMillis) {
        session.setPendingWill(will);
        long attachCount = session.attachCount();
        session.executor().schedule(() -> session.execute(() -> {
            if (!session.isEnded() && session.attachCount() == attachCount) {
                Message due = session.takePendingWill();
                if (due != null) {
                    store.willPublished(session);
                    publishWill(due);
                }
            }
        }), delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Brings back a will the store held, at start after the sessions: due, or its session gone, it is published
     * now; otherwise it waits for the rest of its delay.
     */
    public void restoreWill(StoredWill stored) {
        Message will = StoredMessages.fromStored(stored.message());
        Session session = sessions.get(stored.clientId());
        long left = stored.publishAtMillis() - System.currentTimeMillis();
        if (session == null || left <= 0) {
            store.willPublished(stored.clientId());
            publishWill(will);
            return;
        }
        session.execute(() -> scheduleWill(session, will, left));
    }

    /** Ends the offline session after {@code delay}, unless a client attached to it meanwhile. */
    private void scheduleExpiry(Session session, long delay, TimeUnit unit) {
        long attachCount = session.attachCount();
        session.executor().schedule(() -> session.execute(() -> {
            if (!session.isEnded() && !session.isOnline() && session.attachCount() == attachCount) {
                log.debug("Session of '{}' expired", session.clientId());
                metrics.sessionsExpired.increment();
                endOnLoop(session, true);
            }
        }), delay, unit);
    }

    private void publishWill(Message will) {
        if (will != null) {
            metrics.willsPublished.increment();
            willPublisher.accept(will.publishedAt(System.nanoTime()));
        }
    }

    /** Ends a session on its loop: out of the topic tree and the registry, messages released, pending will sent. */
    private void endOnLoop(Session session, boolean removeFromRegistry) {
        if (session.isEnded()) {
            return;
        }
        List<String> sharedFilters = new ArrayList<>();
        for (String filter : session.unsubscribeAll()) {
            if (Topics.isSharedFilter(filter)) {
                sharedFilters.add(filter);
            }
        }
        if (removeFromRegistry) {
            if (sessions.remove(session.clientId(), session)) {
                sorted.changed(session.clientId());
            }
            if (!closing) {
                // At shutdown sessions end in memory only: the store keeps them for the restart.
                store.ended(session);
                SessionGate g = gate;
                if (g != null) {
                    g.ended(session.clientId());
                }
            }
        }
        List<Delivery> undelivered = sharedFilters.isEmpty() || closing ? List.of()
                : session.takeUndeliveredShared();
        Message will = session.takePendingWill();
        session.end();
        if (closing && session.isStored() && will != null) {
            // The session lives on in the store, its will with it: published after the restart when due.
            will.payload().release();
        } else {
            publishWill(will);
        }
        if (!undelivered.isEmpty()) {
            sharedHandOn.handOn(undelivered, sharedFilters);
        }
    }

    /** Ends every session, at shutdown. */
    public void clear() {
        closing = true;
        for (Session session : sessions.values()) {
            session.execute(() -> endOnLoop(session, true));
        }
    }
}
