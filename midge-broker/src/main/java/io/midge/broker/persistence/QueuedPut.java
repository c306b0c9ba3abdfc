package io.midge.broker.persistence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A queue entry's put in a batch of {@link StoreBatch#cancellableQueued} (a publish delivered before it is durable),
 * held by the delivery it stores: a delivery acknowledged (or dropped) before the writer took its batch needs neither
 * its put nor its removal, so {@link #cancel} leaves the put out and the caller writes no removal. Its state moves
 * once, from pending to taken (the writer took the batch, or the batch was refused and will never be written) or to
 * cancelled, whichever comes first; after it was taken a removal is written as a deletion in a later commit, as
 * always.
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
    private static final int PENDING = 0;
    private static final int TAKEN = 1;
    private static final int CANCELLED = 2;
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
     * The delivery is done with before its put was written: true when no writer took the put yet, which is then
     * never written, so that the caller writes no removal either. False when the put was taken (written, being
     * written, or refused): the caller removes the entry as usual.
     */
    public boolean cancel() {
        return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    /** The writer takes the put for a commit; false when it was cancelled, and is then left out. */
    boolean take() {
        return STATE.compareAndSet(this, PENDING, TAKEN) || state == TAKEN;
    }

    /** Its batch was written or refused: nothing can cancel it any more (a removal after a refusal is harmless). */
    void settle() {
        STATE.compareAndSet(this, PENDING, TAKEN);
    }
}
