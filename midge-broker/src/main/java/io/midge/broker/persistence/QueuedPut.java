package io.midge.broker.persistence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A queue entry's put in a batch of {@link StoreBatch#cancellableQueued} (a publish delivered before it is durable),
 * held by the delivery it stores: a delivery acknowledged (or dropped) before the writer took its batch needs neither
 * its put nor its removal, so {@link #cancel} leaves the put out and the caller writes no removal. Its state moves
 * from pending to taken (the writer took the batch, or the batch was refused and will never be written) or to
 * cancelled, whichever comes first; after it was taken a removal is written as a deletion in a later commit, as
 * always. A QoS 1 delivery sent while its put is pending leaves its packet identifier here on the way
 * ({@link #sent}), and the writer stores it in the put's value: most durable QoS 1 deliveries go out before their
 * publisher's batch is written, and this spares each of them a sent record of its own (a second insert into RocksDB's
 * memory table, with its log bytes, flush and compaction).
 *
 * <p>Why an acknowledged message is not lost so: a put is cancelled only when its session is done with the delivery
 * (the subscriber acknowledged it, or the session dropped it on purpose), so it would have been removed anyway; a
 * kill at any point finds it either written (and sent again, at worst a duplicate) or done. The publisher's batch,
 * the only thing its PUBACK waits for, completes once its entries are written or cancelled.
 *
 * <p>Why a handle and not a map of the pending puts by client and sequence: the map was touched by the publisher's
 * loop (each put), the subscriber's (each acknowledgement) and the writer (each commit), 6-10 % of a durable QoS 1
 * delivery's CPU; the handle costs one object and one compare-and-set.
 */
public final class QueuedPut {
    // The state's two low bits; a QoS 1 delivery's packet identifier, once sent, sits above them (SENT, and TAKEN
    // after it), so that the writer stores it with the put (see #sent).
    private static final int PENDING = 0;
    private static final int TAKEN = 1;
    private static final int CANCELLED = 2;
    private static final int SENT = 3;
    private static final int KIND = 3;
    /** What {@link #take} returns for a put that was cancelled. */
    static final int LEFT_OUT = -1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(QueuedPut.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;

    QueuedPut() {
    }

    /**
     * The QoS 1 delivery went out under {@code packetId} before its put was taken: the writer stores the identifier
     * in the put's value ({@link Values#writeSentDelivery}), so that no record of its own need say it was sent. True
     * when it will; false when a writer took the put already, and the caller writes the sent record as usual.
     */
    public boolean sent(int packetId) {
        return STATE.compareAndSet(this, PENDING, (Keys.checkPacketId(packetId) << 2) | SENT);
    }

    /**
     * The delivery is done with before its put was written: true when no writer took the put yet, which is then
     * never written (nor the identifier it was {@link #sent} under), so that the caller writes no removal either.
     * False when the put was taken (written, being written, or refused): the caller removes the entry as usual.
     */
    public boolean cancel() {
        while (true) {
            int s = state;
            int kind = s & KIND;
            if (kind == TAKEN || kind == CANCELLED) {
                return false;
            }
            if (STATE.compareAndSet(this, s, CANCELLED)) {
                return true;
            }
        }
    }

    /**
     * The writer takes the put for a commit: {@link #LEFT_OUT} when it was cancelled (it is then left out), else the
     * packet identifier it was sent under, 0 when not sent yet.
     */
    int take() {
        while (true) {
            int s = state;
            int kind = s & KIND;
            if (kind == CANCELLED) {
                return LEFT_OUT;
            }
            if (kind == TAKEN || STATE.compareAndSet(this, s, (s & ~KIND) | TAKEN)) {
                return s >>> 2;
            }
        }
    }

    /** Its batch was written or refused: nothing can cancel it any more (a removal after a refusal is harmless). */
    void settle() {
        while (true) {
            int s = state;
            int kind = s & KIND;
            if (kind == TAKEN || kind == CANCELLED || STATE.compareAndSet(this, s, (s & ~KIND) | TAKEN)) {
                return;
            }
        }
    }
}
