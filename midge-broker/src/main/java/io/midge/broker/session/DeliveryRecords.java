package io.midge.broker.session;

import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.QueuedPut;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.routing.Delivery;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session writes about its outbound deliveries (see {@link io.midge.broker.persistence.StoreBatch} for the
 * recipes): sent, received (PUBREC), completed, dropped. Only deliveries with a key in the store's queue
 * ({@link Delivery#isStored()}) are written. Nothing waits for these writes but a QoS 2 PUBLISH and its PUBREL
 * (see {@link Session}): at worst a crash re-sends a QoS 1 message that was acknowledged, as QoS 1 allows.
 *
 * <p>Since nothing waits for the others, they are collected and written in one batch when the loop is done with its
 * pass (a read batch of acknowledgements, a drain of the mailbox), or, while a batch of the session is still with
 * the store, once that one is written: at most one batch per commit instead of one or two per message, which is what
 * kept the store's writer from keeping up, and a QoS 1 send acknowledged before its record was written is not
 * written at all. The session's other writes ({@link #write}, and the session records of {@link SessionStore}) flush
 * the collected records first, so that the store sees every change of the session in the order it was made.
 *
 * <p>For the same reason the collected records need no sync of their own ({@link StoreBatch#noSyncNeeded}): under
 * {@code sync: always} they reach the log at once and the disk with the next commit that syncs, so that the
 * acknowledgements of a stream to a persistent subscriber (a bridge's queue) do not make a second stream of syncs
 * beside the publishers', whose acknowledgements wait for theirs.
 */
final class DeliveryRecords {
    private static final Logger log = LoggerFactory.getLogger(DeliveryRecords.class);

    /** Kept between flushes up to this size; a longer array (a burst) is let go once written. */
    private static final int KEPT = 256;

    private final Persistence store;
    private final Session session;
    private final String clientId;
    /** Completes this session's writes on its loop (one object, so that a commit wakes the loop once); made at the first. */
    private Executor onLoop;
    /** Records of this window not handed to the store yet; null when there are none. */
    private StoreBatch pending;
    /**
     * QoS 1 sends of this window whose record is not handed to the store yet, in the order sent; one acknowledged
     * meanwhile is unmarked ({@link InflightSend#recordPending}) and needs no record at all. The send itself carries
     * the mark, so that a send and its PUBACK cost no map entry and no boxing. Made at the first: an idle session
     * has none.
     */
    private InflightSend[] unwritten;
    private int unwrittenCount;
    /**
     * PUBACKs since the last flush: their queue entries go as runs, not one deletion each. Made at the first: an
     * idle session has none.
     */
    private AcknowledgedRuns acknowledged;
    /** This session's record batches with the store now. */
    private int writing;
    private boolean flushScheduled;

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

    /**
     * A QoS 1 PUBLISH goes out without waiting: after a crash it may reach the client again, as QoS 1 allows. A
     * session that does without QoS 1 in-flight records ({@link SessionQueue#withoutQos1InflightRecords}) writes
     * nothing: after a restart its unacknowledged QoS 1 messages go out again from its queue, under new identifiers.
     * A delivery whose put no writer took yet leaves the identifier with the put instead ({@link QueuedPut#sent}):
     * the writer stores it in the queue entry's value, and no record of its own is written.
     */
    void sent(InflightSend send) {
        if (!session.flow().recordsQos1Inflight()) {
            return;
        }
        QueuedPut put = send.delivery.put();
        if (put != null && put.sent(send.packetId)) {
            return;
        }
        if (unwritten == null || unwrittenCount == unwritten.length) {
            unwritten = unwritten == null ? new InflightSend[16] : Arrays.copyOf(unwritten, unwrittenCount * 2);
        }
        send.recordPending = true;
        unwritten[unwrittenCount++] = send;
        flushSoon();
    }

    /**
     * PUBACK: the queue entry goes, in a run with the others acknowledged until the next flush
     * ({@link AcknowledgedRuns}); its put is cancelled now if the store has not taken it yet. The record that it was
     * sent sits right behind its queue entry, so the run's range takes it along; if that record was not handed to
     * the store yet, it never is.
     */
    void acknowledged(InflightSend send) {
        Delivery d = send.delivery;
        long sequence = d.sequence();
        if (sequence == Delivery.NOT_STORED) {
            return;
        }
        if (acknowledged == null) {
            acknowledged = new AcknowledgedRuns();
        }
        acknowledged.add(sequence, nothingStored(send, d));
        flushSoon();
    }

    /**
     * A delivery is done with: whether nothing of it is in the store or on its way there, so that no removal need be
     * written. Its put is cancelled if no writer took it yet, and its sent record ({@code send}, null when never
     * sent), if still waiting here, is dropped. A put that could still be cancelled was not taken when the delivery
     * was sent either, so the record that it was sent went with it ({@link QueuedPut#sent}) and is cancelled along;
     * only a delivery whose put was taken first has a sent record of its own, and then the removal is written and
     * takes that record along.
     */
    private boolean nothingStored(InflightSend send, Delivery d) {
        if (send != null) {
            send.recordPending = false; // never written now
        }
        return d != null && d.cancelPut();
    }

    /**
     * PUBREC: the message is delivered, only its identifier is left to release after a restart. The caller writes
     * the batch and waits for it before PUBREL (see {@link Session#onPubRec}).
     */
    StoreBatch received(StoreBatch batch, int packetId, long sequence) {
        return batch.putInflight(clientId, packetId, sequence, InflightState.AWAITING_PUBCOMP)
                .removeQueued(clientId, sequence);
    }

    /** PUBCOMP. */
    void completed(int packetId, long sequence) {
        if (sequence != Delivery.NOT_STORED) {
            pending().removeInflight(clientId, packetId);
        }
    }

    /**
     * Done or dropped: its queue entry goes (unless its put was cancelled, {@code d} null when the delivery is let go
     * already), and its in-flight record when it was sent ({@code send}, else null).
     */
    void forget(long sequence, InflightSend send, Delivery d) {
        if (sequence == Delivery.NOT_STORED) {
            return;
        }
        StoreBatch batch = pending();
        if (!nothingStored(send, d)) {
            batch.removeQueued(clientId, sequence); // and the record that it was sent, if any
        }
        if (send != null) {
            batch.removeInflight(clientId, send.packetId); // a QoS 2 delivery's after PUBREC (or a format 1 store's)
        }
    }

    /**
     * Hands the collected records to the store now, before a write that must come after them. A session that no
     * longer owns its record in the store (a clean start replaced it) writes nothing more: its records would land
     * beside the new session's.
     */
    void flush() {
        StoreBatch batch = pending;
        boolean sends = unwrittenCount > 0;
        boolean acks = acknowledged != null && !acknowledged.isEmpty();
        if ((batch == null || batch.isEmpty()) && !sends && !acks) {
            pending = null; // nothing to write: its removals cancelled puts not written yet (StoreBatch#cancellableQueued)
            return;
        }
        if (batch == null) {
            batch = store.batch(clientId);
        }
        if (sends) {
            for (int i = 0; i < unwrittenCount; i++) {
                InflightSend send = unwritten[i];
                if (send.recordPending) {
                    send.recordPending = false;
                    sending(batch, send.packetId, send.sequence, 1);
                }
            }
            if (unwritten.length > KEPT) {
                unwritten = null; // a burst's array goes
            } else {
                Arrays.fill(unwritten, 0, unwrittenCount, null);
            }
            unwrittenCount = 0;
        }
        if (acks) {
            acknowledged.writeTo(batch, clientId);
        }
        pending = null;
        if (batch.isEmpty()) {
            return; // every acknowledged entry's put was cancelled: nothing of them is in the store
        }
        if (!session.isStored()) {
            return;
        }
        writing++;
        if (onLoop == null) {
            onLoop = session::execute;
        }
        store.write(batch.noSyncNeeded(), onLoop).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing the delivery state of '{}' failed: {}", clientId, e.toString());
            }
            writing--;
            flushIfIdle(); // what gathered while this batch was with the store
        });
    }

    /**
     * At the end of the loop's pass, unless a batch of this session is still with the store: then the records keep
     * gathering until it is written, one batch per commit instead of one per pass, and a send acknowledged meanwhile
     * is never written.
     */
    private void flushIfIdle() {
        flushScheduled = false;
        if (writing == 0) {
            flush();
        }
    }

    private void flushSoon() {
        if (!flushScheduled && writing == 0) {
            flushScheduled = true;
            session.executeLater(this::flushIfIdle);
        }
    }

    private StoreBatch pending() {
        if (pending == null) {
            pending = store.batch(clientId);
        }
        flushSoon();
        return pending;
    }
}
