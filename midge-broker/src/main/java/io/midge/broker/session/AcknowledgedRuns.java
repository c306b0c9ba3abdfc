package io.midge.broker.session;

import io.midge.broker.persistence.StoreBatch;
import java.util.Arrays;

/**
 * The queue entries a session's subscriber acknowledged since its records were last handed to the store, written as
 * runs: a stream of acknowledgements covers consecutive sequences, and a run of them is one range deletion in the
 * store instead of one deletion each. Each deletion is an entry the store sorts when it flushes its memory table,
 * which was the largest part of a durable QoS 1 delivery's cost; a run costs one.
 *
 * <p>Why a run is safe to delete whole: it holds consecutive sequences only, each of them acknowledged, so no other
 * entry of the session can lie inside it. An entry whose put the store cancelled (never written) still joins a run,
 * which keeps a stream's run whole; a run of cancelled entries only is not written at all.
 */
final class AcknowledgedRuns {
    private static final long[] NONE = {};
    /** Kept between passes up to this size; a longer array (a burst) is let go once written. */
    private static final int KEPT = 256;

    /** Each entry is {@code sequence << 1}, plus 1 when its put was cancelled. Allocated at the first. */
    private long[] entries = NONE;
    private int count;

    /** Notes an acknowledged queue entry; {@code cancelled} when the store will never write its put. */
    void add(long sequence, boolean cancelled) {
        if (sequence < 0) {
            throw new IllegalArgumentException("not a stored delivery: " + sequence);
        }
        if (count == entries.length) {
            entries = Arrays.copyOf(entries, Math.max(16, count * 2));
        }
        entries[count++] = sequence << 1 | (cancelled ? 1 : 0);
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Adds the removals to the batch, one per run, and starts over. */
    void writeTo(StoreBatch batch, String clientId) {
        if (count == 0) {
            return;
        }
        Arrays.sort(entries, 0, count);
        int start = 0;
        for (int i = 1; i <= count; i++) {
            if (i == count || (entries[i] >>> 1) > (entries[i - 1] >>> 1) + 1) {
                writeRun(batch, clientId, start, i);
                start = i;
            }
        }
        count = 0;
        if (entries.length > KEPT) {
            entries = NONE;
        }
    }

    /** Entries {@code from} (inclusive) to {@code to} (exclusive) are consecutive sequences (or repeats). */
    private void writeRun(StoreBatch batch, String clientId, int from, int to) {
        int written = 0;
        long one = -1;
        for (int i = from; i < to; i++) {
            if ((entries[i] & 1) == 0) {
                written++;
                one = entries[i] >>> 1;
            }
        }
        if (written == 0) {
            return; // every put of the run was cancelled: nothing of it is in the store
        }
        if (written == 1) {
            batch.removeQueued(clientId, one);
        } else {
            batch.removeQueued(clientId, entries[from] >>> 1, entries[to - 1] >>> 1);
        }
    }
}
