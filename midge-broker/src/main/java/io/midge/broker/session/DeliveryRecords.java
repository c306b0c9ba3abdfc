package io.midge.broker.session;

import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session writes about its outbound deliveries (see {@link io.midge.broker.persistence.StoreBatch} for the
 * recipes): sent, received (PUBREC), completed, dropped. Only deliveries with a key in the store's queue
 * ({@link Delivery#isStored()}) are written. Nothing waits for these writes but a QoS 2 PUBLISH (see
 * {@link Session}): at worst a crash re-sends what was acknowledged, as QoS 1 allows, and a QoS 2 message after
 * PUBREC is only its PUBREL.
 *
 * <p>Since nothing waits for them, the records of one pass of the session's loop (a read batch of acknowledgements,
 * a drain of the mailbox) are collected in one batch, written when the loop is done with that pass: one batch per
 * pass instead of one or two per message, which is what kept the store's writer from keeping up. The session's
 * other writes ({@link #write}, and the session records of {@link SessionStore}) flush the collected records first,
 * so that the store sees every change of the session in the order it was made.
 */
final class DeliveryRecords {
    private static final Logger log = LoggerFactory.getLogger(DeliveryRecords.class);

    private final Persistence store;
    private final Session session;
    private final String clientId;
    /** Records of the current pass not handed to the store yet; null when there are none. */
    private StoreBatch pending;

    DeliveryRecords(Persistence store, Session session) {
        this.store = store;
        this.session = session;
        this.clientId = session.clientId();
    }

    /** A batch for in-flight records that the caller waits for. */
    StoreBatch batch() {
        return store.batch(clientId);
    }

    StoreBatch sending(StoreBatch batch, int packetId, long sequence, int qos) {
        return batch.putInflight(clientId, packetId, sequence,
                qos == 1 ? InflightState.AWAITING_PUBACK : InflightState.AWAITING_PUBREC);
    }

    /** Writes a batch the caller waits for, after the records collected so far. */
    CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        flush();
        return store.write(batch, completeOn);
    }

    /** A QoS 1 PUBLISH goes out without waiting: after a crash it may reach the client again, as QoS 1 allows. */
    void sent(int packetId, long sequence) {
        sending(pending(), packetId, sequence, 1);
    }

    /** PUBREC: the message is delivered, only its identifier is left to release after a restart. */
    void received(int packetId, long sequence) {
        if (sequence != Delivery.NOT_STORED) {
            pending().putInflight(clientId, packetId, sequence, InflightState.AWAITING_PUBCOMP)
                    .removeQueued(clientId, sequence);
        }
    }

    /** PUBCOMP. */
    void completed(int packetId, long sequence) {
        if (sequence != Delivery.NOT_STORED) {
            pending().removeInflight(clientId, packetId);
        }
    }

    /** Done or dropped: its queue entry goes, and its in-flight record when it had a packet identifier (not 0). */
    void forget(long sequence, int packetId) {
        if (sequence == Delivery.NOT_STORED) {
            return;
        }
        StoreBatch batch = pending().removeQueued(clientId, sequence);
        if (packetId != 0) {
            batch.removeInflight(clientId, packetId);
        }
    }

    /**
     * Hands the collected records to the store. A session that no longer owns its record in the store (a clean
     * start replaced it) writes nothing more: its records would land beside the new session's.
     */
    void flush() {
        StoreBatch batch = pending;
        if (batch == null) {
            return;
        }
        pending = null;
        if (!session.isStored()) {
            return;
        }
        store.write(batch, null).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing the delivery state of '{}' failed: {}", clientId, e.toString());
            }
        });
    }

    private StoreBatch pending() {
        if (pending == null) {
            pending = store.batch(clientId);
            session.executeLater(this::flush);
        }
        return pending;
    }
}
