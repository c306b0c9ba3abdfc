package io.midge.broker.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under {@link SyncPolicy#ALWAYS}, the one thread that syncs the write-ahead log for all the {@link BucketWriter}s:
 * a group commit across writers. Each writer writes its commits to the log without a sync and hands them here; one
 * sync covers every commit handed over before it began, whichever writer made it. When each writer synced its own
 * commits, one cycle under load cost one sync per writer, one after the other (RocksDB syncs the log one caller at a
 * time), and a batch waited for the other writers' syncs before its own. Meanwhile the writers go on writing: what
 * they write during a sync waits for the next one.
 *
 * <p>The rule that keeps {@code sync: always} what it says: a commit is handed over only after its write returned
 * (its records are in the log file), and the futures of a commit complete only after a sync that began after it was
 * handed over; {@link #run} takes what was handed over before it starts a sync, and completes exactly that.
 *
 * <p>A writer's commits complete in the order it made them: once one of them waits here, its later ones (even those
 * that need no sync, or failed) are handed over too, behind it ({@link Written#outstanding}).
 */
final class LogSyncer {
    private static final Logger log = LoggerFactory.getLogger(LogSyncer.class);

    /** Makes everything written to the log so far durable; the test seam for a sync that is slow or fails. */
    @FunctionalInterface
    interface LogSync {
        void sync() throws RocksDBException;
    }

    /**
     * A commit written to the log: its batches, whether a sync must precede their completion, the write's own failure
     * (then no sync helps), when its write began, and the count of its writer's commits that wait here.
     */
    record Written(List<BucketWriter.Pending> group, boolean needsSync, PersistenceException failure,
                   long startNanos, AtomicInteger outstanding) {
    }

    private static final Written STOP = new Written(List.of(), false, null, 0, new AtomicInteger());

    private final LogSync logSync;
    private final String directory;
    private final StoreStats stats;
    private final AtomicReference<PersistenceException> failed;
    private final Runnable onFailure;
    private final LinkedBlockingQueue<Written> handedOver = new LinkedBlockingQueue<>();
    private final Thread thread;

    LogSyncer(LogSync logSync, String directory, StoreStats stats, AtomicReference<PersistenceException> failed,
              Runnable onFailure) {
        this.logSync = logSync;
        this.directory = directory;
        this.stats = stats;
        this.failed = failed;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, "midge-store-sync");
        thread.setDaemon(true);
        thread.start();
    }

    /** Takes a commit whose write has returned; its futures complete after the next sync that begins from now. */
    void add(Written written) {
        written.outstanding.incrementAndGet();
        handedOver.add(written);
    }

    /** Syncs what was handed over so far, completes it, and ends the thread; call after the writers stopped. */
    void stop() {
        handedOver.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Written> drained = new ArrayList<>();
        boolean stopping = false;
        try {
            while (!stopping) {
                // Everything taken here was written before this point, so the sync that follows covers it.
                drained.add(handedOver.take());
                handedOver.drainTo(drained);
                stopping = drained.remove(STOP);
                syncAndComplete(drained);
                drained.clear();
            }
        } catch (InterruptedException e) {
            log.error("Store sync thread interrupted; {} commits not synced", handedOver.size());
            Thread.currentThread().interrupt();
        }
    }

    private void syncAndComplete(List<Written> drained) {
        boolean needed = false;
        int batches = 0;
        for (Written w : drained) {
            needed |= w.needsSync;
            batches += w.needsSync ? w.group.size() : 0;
        }
        PersistenceException syncFailure = null;
        if (needed) {
            syncFailure = sync(batches);
        }
        long now = System.nanoTime();
        Completions completions = new Completions();
        for (Written w : drained) {
            PersistenceException failure = w.failure != null ? w.failure : w.needsSync ? syncFailure : null;
            for (BucketWriter.Pending p : w.group) {
                completions.add(p.future(), p.completeOn(), failure);
            }
            if (w.needsSync) {
                stats.committed(now - w.startNanos);
            }
        }
        completions.run();
        // Only now: a writer that sees none of its commits waiting here completes its next one itself.
        for (Written w : drained) {
            w.outstanding.decrementAndGet();
        }
    }

    /** Syncs the log; the failure to report to the waiting batches, or null. */
    private PersistenceException sync(int batches) {
        if (failed.get() != null) {
            // The store failed since these were written, and may have been opened again without them.
            stats.failed.add(batches);
            return BucketWriter.refused(failed, directory);
        }
        try {
            logSync.sync();
            stats.syncs.increment();
            return null;
        } catch (RocksDBException | RuntimeException e) {
            PersistenceException failure = OpenDb.failure(directory, e);
            if (failed.compareAndSet(null, failure)) {
                log.error("{} (syncing the log; {} batches not acknowledged)", failure.getMessage(), batches);
            }
            stats.failed.add(batches);
            onFailure.run();
            return failure;
        }
    }
}
