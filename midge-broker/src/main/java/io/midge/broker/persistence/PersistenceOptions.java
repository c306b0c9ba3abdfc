package io.midge.broker.persistence;

/**
 * How the RocksDB store writes.
 *
 * @param syncPolicy          when the write-ahead log is synced
 * @param syncIntervalMillis  how often the log is synced under {@link SyncPolicy#INTERVAL}
 * @param buckets             writer threads; a batch goes to the writer of {@code hash(owner) % buckets}. 1 by
 *                            default: RocksDB writes its log one write at a time anyway, and under
 *                            {@link SyncPolicy#ALWAYS} each writer synced on its own, so two writers cost two syncs
 *                            per commit cycle where one writer's group commit costs one for the same batches
 *                            (measured: GroupCommitBenchmark, durability.sh)
 * @param maxBatchesPerCommit how many batches one commit (one RocksDB WriteBatch, one sync) takes at most
 * @param lingerMicros        how long a writer waits for more batches after the first of a commit arrived, when
 *                            fewer than {@code maxBatchesPerCommit} are there. 0 by default: the batches that
 *                            queue up while the previous commit syncs make the next commit anyway, and measured
 *                            (GroupCommitBenchmark), a 1 ms linger cut throughput 2.5-fold at low and moderate
 *                            concurrency and gained nothing under heavy load
 * @param maxPendingBatches   batches a writer's queue holds at most; beyond, a write fails at once with
 *                            {@link StoreOverloadedException} (the caller is an event loop: it must not wait)
 * @param maxPendingBytes     bytes a writer's queue holds at most, likewise
 * @param recoveryRetryMillis after a write failed (full or failing disk), how often the store tries to take writes
 *                            again ({@link StoreRecovery})
 */
public record PersistenceOptions(SyncPolicy syncPolicy, long syncIntervalMillis, int buckets,
                                 int maxBatchesPerCommit, long lingerMicros, int maxPendingBatches,
                                 long maxPendingBytes, long recoveryRetryMillis) {

    public PersistenceOptions {
        if (syncPolicy == null) {
            throw new IllegalArgumentException("sync policy is required");
        }
        check(syncIntervalMillis >= 1, "sync interval must be at least 1 ms");
        check(buckets >= 1 && buckets <= 64, "buckets must be 1-64");
        check(maxBatchesPerCommit >= 1, "max batches per commit must be at least 1");
        check(lingerMicros >= 0, "linger must not be negative");
        check(maxPendingBatches >= 1, "max pending batches must be at least 1");
        check(maxPendingBytes >= 1, "max pending bytes must be at least 1");
        check(recoveryRetryMillis >= 1, "recovery retry must be at least 1 ms");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * {@code ALWAYS}, 1 writer, up to 4096 batches per commit, no linger, 16384 batches / 64 MiB per writer, and a
     * recovery attempt a second after a failed write.
     */
    public static PersistenceOptions defaults() {
        return new PersistenceOptions(SyncPolicy.ALWAYS, 1000, 1, 4096, 0, 16_384, 64L << 20, 1000);
    }

    public PersistenceOptions withSyncPolicy(SyncPolicy policy) {
        return new PersistenceOptions(policy, syncIntervalMillis, buckets, maxBatchesPerCommit, lingerMicros,
                maxPendingBatches, maxPendingBytes, recoveryRetryMillis);
    }

    public PersistenceOptions withSyncInterval(long millis) {
        return new PersistenceOptions(syncPolicy, millis, buckets, maxBatchesPerCommit, lingerMicros,
                maxPendingBatches, maxPendingBytes, recoveryRetryMillis);
    }

    public PersistenceOptions withBuckets(int n) {
        return new PersistenceOptions(syncPolicy, syncIntervalMillis, n, maxBatchesPerCommit, lingerMicros,
                maxPendingBatches, maxPendingBytes, recoveryRetryMillis);
    }

    public PersistenceOptions withLinger(long micros) {
        return new PersistenceOptions(syncPolicy, syncIntervalMillis, buckets, maxBatchesPerCommit, micros,
                maxPendingBatches, maxPendingBytes, recoveryRetryMillis);
    }

    public PersistenceOptions withMaxPending(int batches, long bytes) {
        return new PersistenceOptions(syncPolicy, syncIntervalMillis, buckets, maxBatchesPerCommit, lingerMicros,
                batches, bytes, recoveryRetryMillis);
    }

    public PersistenceOptions withRecoveryRetry(long millis) {
        return new PersistenceOptions(syncPolicy, syncIntervalMillis, buckets, maxBatchesPerCommit, lingerMicros,
                maxPendingBatches, maxPendingBytes, millis);
    }
}
