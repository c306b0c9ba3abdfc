package io.midge.broker.persistence;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queue entries of batches not written yet that may be cancelled ({@link StoreBatch#cancellableQueued}): a
 * delivery acknowledged (or dropped) before the writer took its batch needs neither its put nor its delete, so both
 * are left out. Each entry is decided once, by whichever comes first: the writer taking it ({@link Put#take}) or its
 * removal ({@link #cancel}); after the writer took it, the removal is written as a delete in a later commit, as
 * always.
 *
 * <p>Why an acknowledged message is not lost so: an entry is cancelled only when its session is done with the
 * delivery (the subscriber acknowledged it, or the session dropped it on purpose), so it would have been deleted
 * anyway; a kill at any point finds it either written (and sent again, at worst a duplicate) or done. The
 * publisher's batch, the only thing its PUBACK waits for, completes once its entries are written or cancelled.
 */
final class QueuedPuts {
    private static final int PENDING = 0;
    private static final int TAKEN = 1;
    private static final int CANCELLED = 2;

    /** Where a queued delivery goes: its session and sequence. The session's String caches its hash. */
    private record Key(String clientId, long sequence) {
    }

    /** One cancellable put; its state moves once, from pending to taken or cancelled. */
    static final class Put extends AtomicInteger {
        private final Key key;

        private Put(Key key) {
            this.key = key;
        }

        /** The writer takes the put for a commit; false when it was cancelled, and is then left out. */
        boolean take() {
            return compareAndSet(PENDING, TAKEN) || get() == TAKEN;
        }
    }

    private final ConcurrentHashMap<Key, Put> pending = new ConcurrentHashMap<>();

    Put register(String clientId, long sequence) {
        Put put = new Put(new Key(clientId, sequence));
        pending.put(put.key, put);
        return put;
    }

    /**
     * Cancels the put of this queue entry if no writer took it yet: then neither it nor its delete is written, and
     * the caller writes nothing. False when there is none pending (written, taken, or never cancellable).
     */
    boolean cancel(String clientId, long sequence) {
        // No isEmpty() first: it sums the map's counter cells, which the writer's removals keep contended, and
        // cost more than the lookup it would spare.
        Put put = pending.remove(new Key(clientId, sequence));
        return put != null && put.compareAndSet(PENDING, CANCELLED);
    }

    /** The put's batch was written, or will never be: nothing can cancel it any more. */
    void settled(Put put) {
        pending.remove(put.key, put);
    }

    /** How many puts wait (for tests). */
    int size() {
        return pending.size();
    }
}
