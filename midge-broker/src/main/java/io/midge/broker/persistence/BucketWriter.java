package io.midge.broker.persistence;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer thread with group commit: it takes every batch waiting in its queue (up to a limit, optionally
 * lingering for more), writes them as ONE RocksDB WriteBatch, synced or not as the policy says, and then completes
 * all their futures. The batches that arrive while one commit syncs make the next commit, so under load the number
 * of syncs per second stays about constant while the number of batches per sync grows with the load, and without
 * load a lone batch waits for nothing but its own sync.
 *
 * <p>Batches are written and completed in the order they were queued, which is the per-owner order the store
 * promises, since an owner always maps to the same writer.
 */
final class BucketWriter {
    private static final Logger log = LoggerFactory.getLogger(BucketWriter.class);

    /** How a writer hands a commit to RocksDB; a test wraps it to hold, watch or fail the synced writes. */
    @FunctionalInterface
    interface StoreWrite {
        void write(WriteOptions options, WriteBatch batch) throws RocksDBException;
    }

    /** A submitted batch and whom to tell when it is durable. */
    private record Pending(EncodedBatch batch, CompletableFuture<Void> future, Executor completeOn,
                           long submittedNanos) {
    }

    private final StoreWrite db;
    private final WriteOptions writeOptions;
    /** For a commit of batches none of which needs a sync ({@link StoreBatch#noSyncNeeded}): never synced. */
    private final WriteOptions unsyncedOptions;
    private final String directory;
    private final int maxBatchesPerCommit;
    private final long lingerNanos;
    private final long maxPendingBytes;
    private final StoreStats stats;
    /**
     * The first failed write of any writer: RocksDB takes no write after one, and neither do we, until
     * {@link StoreRecovery} has opened it again and cleared this.
     */
    private final AtomicReference<PersistenceException> failed;
    private final Runnable onFailure;
    private final ArrayBlockingQueue<Pending> queue;
    private final AtomicLong pendingBytes = new AtomicLong();
    /** Submissions between their check of {@link #stopping} and their offer: the writer outlives them. */
    private final AtomicInteger submitting = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stopping;

    BucketWriter(int index, StoreWrite db, WriteOptions writeOptions, WriteOptions unsyncedOptions, String directory,
                 PersistenceOptions options, StoreStats stats, AtomicReference<PersistenceException> failed,
                 Runnable onFailure) {
        this.db = db;
        this.writeOptions = writeOptions;
        this.unsyncedOptions = unsyncedOptions;
        this.directory = directory;
        this.maxBatchesPerCommit = options.maxBatchesPerCommit();
        this.lingerNanos = TimeUnit.MICROSECONDS.toNanos(options.lingerMicros());
        this.maxPendingBytes = options.maxPendingBytes();
        this.stats = stats;
        this.failed = failed;
        this.onFailure = onFailure;
        this.queue = new ArrayBlockingQueue<>(options.maxPendingBatches());
        this.thread = new Thread(this::run, "midge-store-writer-" + index);
        // A broker that forgets to close its store must still be able to exit; close() drains the queue properly.
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a batch; never blocks. A full queue fails the future at once: the caller may be an event loop. */
    CompletableFuture<Void> submit(EncodedBatch batch, Executor completeOn) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        submitting.incrementAndGet();
        try {
            if (stopping) {
                batch.settle();
                future.completeExceptionally(new PersistenceException("the store in " + directory + " is closed"));
                return future;
            }
            if (failed.get() != null) {
                batch.settle();
                stats.failed.increment();
                future.completeExceptionally(stopped());
                return future;
            }
            long size = batch.bytes();
            // One batch larger than the bound on its own still goes in when nothing else waits.
            long before = pendingBytes.getAndAdd(size);
            boolean accepted = (before == 0 || before + size <= maxPendingBytes)
                    && queue.offer(new Pending(batch, future, completeOn, System.nanoTime()));
            if (!accepted) {
                batch.settle();
                pendingBytes.addAndGet(-size);
                stats.rejected.increment();
                future.completeExceptionally(new StoreOverloadedException("the store in " + directory
                        + " is behind: " + queue.size() + " batches, " + before + " bytes wait to be written"));
            }
            return future;
        } finally {
            submitting.decrementAndGet();
        }
    }

    /** Stops taking batches, writes those already queued, and waits for the thread to end. */
    void stop() {
        stopping = true;
        // Wakes the writer from take(): an empty batch, which commits as nothing. A full queue needs no waking.
        queue.offer(new Pending(new EncodedBatch("$stop"), new CompletableFuture<>(), null, System.nanoTime()));
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Pending> group = new ArrayList<>(maxBatchesPerCommit);
        List<EncodedBatch> batches = new ArrayList<>(maxBatchesPerCommit);
        try {
            while (true) {
                // Blocks until work arrives: an idle writer never wakes (stop() wakes it with an empty batch).
                // Once stopping, it polls until the submissions in flight are in, then ends.
                Pending first = stopping ? queue.poll(20, TimeUnit.MILLISECONDS) : queue.take();
                if (first == null) {
                    // In this order: a submission that got past its check of stopping is counted in submitting
                    // until its batch is in the queue.
                    if (stopping && submitting.get() == 0 && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                collect(group, first.submittedNanos + lingerNanos);
                commit(group, batches);
                group.clear();
                batches.clear();
            }
        } catch (InterruptedException e) {
            log.error("Store writer interrupted; {} batches not written", queue.size());
            Thread.currentThread().interrupt();
        }
    }

    /** Adds what is waiting, and what arrives until the deadline, to the group, up to the commit size. */
    private void collect(List<Pending> group, long deadline) throws InterruptedException {
        queue.drainTo(group, maxBatchesPerCommit - group.size());
        while (group.size() < maxBatchesPerCommit && !stopping) {
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                return;
            }
            Pending next = queue.poll(wait, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            group.add(next);
            queue.drainTo(group, maxBatchesPerCommit - group.size());
        }
    }

    private void commit(List<Pending> group, List<EncodedBatch> batches) {
        PersistenceException failure = failed.get() != null ? stopped() : null;
        if (failure != null) {
            stats.failed.add(group.size());
        }
        long bytes = 0;
        int changes = 0;
        int cancelled = 0;
        boolean sync = false;
        for (Pending p : group) {
            bytes += p.batch.bytes();
            // Its queue entries acknowledged meanwhile are left out; a batch left with nothing needs no sync.
            if (failure == null) {
                changes += p.batch.take();
                cancelled += p.batch.cancelled();
            }
            sync |= p.batch.syncNeeded() && !p.batch.allCancelled();
            batches.add(p.batch);
        }
        try {
            // A group of empty batches (kept only for their place in the order) costs no write.
            if (failure == null && changes > 0) {
                // The whole group in one native call: RocksDB takes the records as they were encoded.
                long start = System.nanoTime();
                try (WriteBatch writeBatch = new WriteBatch(EncodedBatch.writeBatchOf(batches))) {
                    db.write(sync ? writeOptions : unsyncedOptions, writeBatch);
                }
                stats.committed(System.nanoTime() - start);
                stats.commits.increment();
                if (sync && writeOptions.sync()) {
                    stats.syncs.increment();
                }
            }
        } catch (RocksDBException | RuntimeException e) {
            // RocksDB leaves nothing of a failed WriteBatch, not even after a restart, and refuses every write
            // after it until the store is opened again.
            failure = OpenDb.failure(directory, e);
            if (failed.compareAndSet(null, failure)) {
                log.error("{} ({} batches not written)", failure.getMessage(), group.size());
            }
            stats.failed.add(group.size());
            onFailure.run();
        } finally {
            pendingBytes.addAndGet(-bytes);
            // Before the completions: once a publisher hears its batch is durable, nothing may cancel its entries.
            for (EncodedBatch b : batches) {
                b.settle();
            }
        }
        stats.batches.add(group.size());
        stats.cancelledQueued.add(cancelled);
        complete(group, failure);
    }

    private PersistenceException stopped() {
        PersistenceException first = failed.get();
        if (first == null) {
            return new PersistenceException("the store in " + directory + " failed");
        }
        String reason = first instanceof StoreWriteFailedException w ? w.reason() : "I/O error";
        return new StoreWriteFailedException("The store in " + directory + " takes no writes since one failed ("
                + reason + "); the broker retries by itself once the disk has room", reason, first);
    }

    /** Completes the futures, one task per executor: an event loop is woken once per commit, not per batch. */
    private static void complete(List<Pending> group, PersistenceException failure) {
        Map<Executor, List<CompletableFuture<Void>>> byExecutor = new IdentityHashMap<>();
        for (Pending p : group) {
            if (p.completeOn == null) {
                finish(p.future, failure);
            } else {
                byExecutor.computeIfAbsent(p.completeOn, e -> new ArrayList<>()).add(p.future);
            }
        }
        for (Map.Entry<Executor, List<CompletableFuture<Void>>> e : byExecutor.entrySet()) {
            List<CompletableFuture<Void>> futures = e.getValue();
            Runnable task = () -> futures.forEach(f -> finish(f, failure));
            try {
                e.getKey().execute(task);
            } catch (RejectedExecutionException rejected) {
                // The loop is shutting down; what waits on it will not run anyway, but nobody hangs on a future.
                task.run();
            }
        }
    }

    private static void finish(CompletableFuture<Void> future, PersistenceException failure) {
        if (failure == null) {
            future.complete(null);
        } else {
            future.completeExceptionally(failure);
        }
    }
}
