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
 */
final class DeliveryRecords {
    private static final Logger log = LoggerFactory.getLogger(DeliveryRecords.class);

    private final Persistence store;
    private final String clientId;

    DeliveryRecords(Persistence store, String clientId) {
        this.store = store;
        this.clientId = clientId;
    }

    /** A batch for in-flight records that the caller waits for. */
    StoreBatch batch() {
        return store.batch(clientId);
    }

    StoreBatch sending(StoreBatch batch, int packetId, long sequence, int qos) {
        return batch.putInflight(clientId, packetId, sequence,
                qos == 1 ? InflightState.AWAITING_PUBACK : InflightState.AWAITING_PUBREC);
    }

    CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        return store.write(batch, completeOn);
    }

    /** A QoS 1 PUBLISH goes out without waiting: after a crash it may reach the client again, as QoS 1 allows. */
    void sent(int packetId, long sequence) {
        written(sending(batch(), packetId, sequence, 1));
    }

    /** PUBREC: the message is delivered, only its identifier is left to release after a restart. */
    void received(int packetId, long sequence) {
        if (sequence != Delivery.NOT_STORED) {
            written(batch().putInflight(clientId, packetId, sequence, InflightState.AWAITING_PUBCOMP)
                    .removeQueued(clientId, sequence));
        }
    }

    /** PUBCOMP. */
    void completed(int packetId, long sequence) {
        if (sequence != Delivery.NOT_STORED) {
            written(batch().removeInflight(clientId, packetId));
        }
    }

    /** Done or dropped: its queue entry goes, and its in-flight record when it had a packet identifier (not 0). */
    void forget(long sequence, int packetId) {
        if (sequence == Delivery.NOT_STORED) {
            return;
        }
        StoreBatch batch = batch().removeQueued(clientId, sequence);
        if (packetId != 0) {
            batch.removeInflight(clientId, packetId);
        }
        written(batch);
    }

    private void written(StoreBatch batch) {
        store.write(batch, null).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing the delivery state of '{}' failed: {}", clientId, e.toString());
            }
        });
    }
}
