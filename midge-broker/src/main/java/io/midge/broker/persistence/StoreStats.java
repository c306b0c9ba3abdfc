package io.midge.broker.persistence;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/** Counters of the RocksDB store's writers, for metrics and benchmarks. */
public final class StoreStats {
    final LongAdder batches = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder syncs = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder recoveries = new LongAdder();
    final LongAdder cancelledQueued = new LongAdder();
    /** Told each commit's time in nanoseconds (metrics' histogram); the store knows nothing of who listens. */
    private volatile LongConsumer commitTimes = nanos -> { };

    /** Has every later commit's duration, in nanoseconds, told to {@code listener} (on the writer's thread). */
    public void onCommit(LongConsumer listener) {
        this.commitTimes = listener;
    }

    void committed(long nanos) {
        commitTimes.accept(nanos);
    }

    /** Batches written (each completed one future). */
    public long batches() {
        return batches.sum();
    }

    /** RocksDB writes: one per group of batches; each is one sync under {@link SyncPolicy#ALWAYS}. */
    public long commits() {
        return commits.sum();
    }

    /** Commits that synced the log: under {@link SyncPolicy#ALWAYS}, those with a batch that needed it. */
    public long syncs() {
        return syncs.sum();
    }

    /** Batches not written because the disk was full or failing (refused while the store recovers, too). */
    public long failed() {
        return failed.sum();
    }

    /** Times the store took writes again after a failed one, without a restart. */
    public long recoveries() {
        return recoveries.sum();
    }

    /**
     * Queue entries acknowledged before a writer took their batch: neither they nor their removal were written
     * ({@link StoreBatch#cancellableQueued}).
     */
    public long cancelledQueued() {
        return cancelledQueued.sum();
    }

    /** Batches refused because a writer's queue was full. */
    public long rejected() {
        return rejected.sum();
    }
}
