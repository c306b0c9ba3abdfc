package io.midge.broker.session;

import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredWill;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.routing.SubscriptionOptions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What of a session's life goes to the store: its record (CONNECT, going offline, ending) and its subscriptions.
 * Only persistent sessions (expiry above 0) are written; in memory nothing is built at all. Called on the session's
 * loop; the futures complete there too, so that what waits for them (CONNACK, SUBACK) runs where it belongs.
 */
public final class SessionStore {
    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Persistence store;

    public SessionStore(Persistence store) {
        this.store = store;
    }

    public Persistence persistence() {
        return store;
    }

    /**
     * A connection opened the session (its expiry and protocol version set): a persistent one is stored as
     * connected, replacing whatever a clean start discarded, in one batch; a session that is not persistent removes
     * a record left under its client id. CONNACK waits for the returned future.
     */
    public CompletableFuture<Void> opened(Session s, boolean cleanStart, Executor loop) {
        if (!store.isDurable()) {
            return DONE;
        }
        String id = s.clientId();
        flushRecords(s);
        if (s.expiryIntervalSeconds() > 0) {
            StoreBatch batch = store.batch(id);
            if (cleanStart && s.isStored()) {
                batch.removeSession(id);
            }
            batch.putSession(record(s, StoredSession.CONNECTED));
            if (!cleanStart && s.isStored()) {
                batch.removeWill(id); // a will waiting for its delay is void once the client is back
            }
            s.setStored(true);
            return store.write(batch, loop);
        }
        if (s.isStored()) {
            s.setStored(false);
            return store.write(store.batch(id).removeSession(id), loop);
        }
        return DONE;
    }

    /** New subscriptions of a stored session; SUBACK waits for the returned future. */
    public CompletableFuture<Void> subscribed(Session s, Map<String, SubscriptionOptions> added, Executor loop) {
        if (!s.isStored() || added.isEmpty()) {
            return DONE;
        }
        flushRecords(s);
        StoreBatch batch = store.batch(s.clientId());
        added.forEach((filter, options) -> batch.putSubscription(s.clientId(), filter, options.toStored()));
        return store.write(batch, loop);
    }

    /** Subscriptions a stored session dropped; UNSUBACK waits for the returned future. */
    public CompletableFuture<Void> unsubscribed(Session s, Iterable<String> filters, Executor loop) {
        if (!s.isStored()) {
            return DONE;
        }
        flushRecords(s);
        StoreBatch batch = store.batch(s.clientId());
        filters.forEach(filter -> batch.removeSubscription(s.clientId(), filter));
        return store.write(batch, loop);
    }

    /** The client went offline; its session waits for its expiry from now, also across a restart. */
    void wentOffline(Session s) {
        if (s.isStored() && s.expiryIntervalSeconds() > 0) {
            flushRecords(s);
            written(store.write(store.batch(s.clientId()).putSession(record(s, System.currentTimeMillis())), null),
                    s, "going offline");
        }
    }

    /** A will waits for its delay (or its session's end) to pass, also across a restart. */
    void willPending(Session s, Message will, long publishAtMillis) {
        if (s.isStored()) {
            flushRecords(s);
            written(store.write(store.batch(s.clientId()).putWill(new StoredWill(s.clientId(),
                    StoredMessages.toStored(will), publishAtMillis)), null), s, "a will");
        }
    }

    void willPublished(Session s) {
        if (s.isStored()) {
            willPublished(s.clientId());
        }
    }

    void willPublished(String clientId) {
        if (store.isDurable()) {
            store.write(store.batch(clientId).removeWill(clientId), null).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Removing the will of '{}' failed: {}", clientId, e.toString());
                }
            });
        }
    }

    /** The session ended for good (expired, or ended with its connection). */
    void ended(Session s) {
        if (s.isStored()) {
            flushRecords(s);
            s.setStored(false);
            written(store.write(store.batch(s.clientId()).removeSession(s.clientId()), null), s, "its end");
        }
    }

    private static StoredSession record(Session s, long disconnectedAt) {
        return new StoredSession(s.clientId(), s.protocolVersion(),
                Math.min(s.expiryIntervalSeconds(), StoredSession.NEVER_EXPIRES), disconnectedAt, s.clusterEpoch());
    }

    // Nothing waits for these writes: a failure is logged (the store then refuses every write, which the
    // acknowledgement paths report to their clients).
    private static void written(CompletableFuture<Void> write, Session s, String what) {
        write.whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing {} of the session of '{}' failed: {}", what, s.clientId(), e.toString());
            }
        });
    }

    /** Hands the session's delivery records to the store first; a session that never had a message has none. */
    private static void flushRecords(Session s) {
        DeliveryFlow flow = s.flowIfMade();
        if (flow != null) {
            flow.flushRecords();
        }
    }
}
