package io.midge.broker.protocol;

import io.midge.broker.persistence.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The order of one client's store writes: its publishes, QoS 2 identifiers and session changes reach the store in
 * the order the client made them, and what depends on a write (an acknowledgement, a delivery) follows it in that
 * order. A client whose writes fall behind is not read until they catch up.
 */
final class StoreOrder {
    /** Store writes of one client waiting at once beyond which its socket is not read until they are written. */
    private static final int PAUSE_READING_AT = 16;

    private final ConnectionContext c;
    /** This client's store batches not written yet. */
    private int pendingWrites;
    /** Batches of this pass of the loop, written together once the pass is done. */
    private StoreBatch joined;
    private List<Consumer<Throwable>> joinedThens;

    StoreOrder(ConnectionContext c) {
        this.c = c;
    }

    /** Whether some of this client's writes are not done: what comes next must wait its turn. */
    boolean behind() {
        return pendingWrites > 0;
    }

    /** A new batch for this client. */
    StoreBatch batch() {
        return c.broker.persistence().batch(c.clientId);
    }

    /**
     * Writes one of this client's batches; {@code then} runs once it is written, in the order written. The batches
     * of one pass of the loop (a read of many publishes, say) are joined and written as one when the loop is done
     * with that pass: one store write and one completion for them all, not one each.
     */
    void write(StoreBatch batch, Consumer<Throwable> then) {
        if (joined == null) {
            // The first batch of the pass is the joined one: the others are added to it, and it is not copied.
            joined = batch;
            joinedThens = new ArrayList<>();
            pendingWrites++;
            if (pendingWrites == PAUSE_READING_AT) {
                // The store is behind with this client's writes: read no more from it until it caught up, so
                // that a fast publisher is slowed down (TCP pushes back) rather than refused.
                c.reads().pause(ReadPauses.Reason.STORE_BEHIND);
            }
            c.ctx.executor().execute(() -> {
                writeJoined();
                // This runs outside any read, whose end would flush: a write the store refuses at once (its queue
                // full, or failed) completes inside writeJoined, and the answers it wrote must not wait for the
                // client's next packet.
                c.flushIfWritten();
            });
        }
        if (joined != batch) {
            joined.addAll(batch);
        }
        joinedThens.add(then);
    }

    /** Hands the batches joined in this pass to the store now, before a write that must come after them. */
    void writeJoined() {
        StoreBatch batch = joined;
        if (batch == null) {
            return;
        }
        List<Consumer<Throwable>> thens = joinedThens;
        joined = null;
        joinedThens = null;
        c.whenStored(c.broker.persistence().write(batch, c.ctx.executor()), error -> {
            if (pendingWrites-- == PAUSE_READING_AT) {
                c.reads().resume(ReadPauses.Reason.STORE_BEHIND);
            }
            thens.forEach(then -> then.accept(error));
        });
    }

    /** Runs {@code then} after this client's pending writes, or at once when there are none. */
    void afterPending(Runnable then) {
        if (pendingWrites > 0) {
            write(batch(), error -> then.run());
        } else {
            then.run();
        }
    }
}
