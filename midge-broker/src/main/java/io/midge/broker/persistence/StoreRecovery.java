package io.midge.broker.persistence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the store back after a write failed: every {@link PersistenceOptions#recoveryRetryMillis()}, while the disk has less than {@link #MIN_FREE_BYTES}
 * free it waits, and then it opens the database again; when that works the writers take batches again. Meanwhile
 * every write is refused at once, so nothing is acknowledged that was not stored. Each distinct reason for waiting
 * is logged once, not once a second.
 */
final class StoreRecovery {
    private static final Logger log = LoggerFactory.getLogger(StoreRecovery.class);
    /** Room RocksDB needs to open again: a new log file and a manifest record. */
    static final long MIN_FREE_BYTES = 1 << 20;

    private final Path directory;
    private final OpenDb db;
    private final AtomicReference<PersistenceException> failed;
    private final StoreStats stats;
    private final long retryMillis;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "midge-store-recovery");
        t.setDaemon(true);
        return t;
    });
    private String lastReason;
    private long failedAtNanos;

    StoreRecovery(Path directory, OpenDb db, AtomicReference<PersistenceException> failed, StoreStats stats,
                  long retryMillis) {
        this.directory = directory;
        this.retryMillis = retryMillis;
        this.db = db;
        this.failed = failed;
        this.stats = stats;
    }

    /** A writer saw its write fail: start trying to recover, unless already trying. */
    void writeFailed() {
        if (scheduled.compareAndSet(false, true)) {
            failedAtNanos = System.nanoTime();
            lastReason = null;
            timer.schedule(this::attempt, retryMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void attempt() {
        String waiting = whyNotYet();
        if (waiting == null) {
            try {
                db.reopen();
                failed.set(null);
                stats.recoveries.increment();
                scheduled.set(false);
                log.info("The store in {} takes writes again, {} s after a write failed", directory,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failedAtNanos));
                return;
            } catch (RocksDBException | RuntimeException e) {
                waiting = "opening it again failed: " + e.getMessage();
            }
        }
        if (!waiting.equals(lastReason)) {
            lastReason = waiting;
            log.warn("The store in {} takes no writes yet: {}; retrying every {} ms", directory, waiting,
                    retryMillis);
        }
        timer.schedule(this::attempt, retryMillis, TimeUnit.MILLISECONDS);
    }

    /** Why reopening is not worth trying now, or null. */
    private String whyNotYet() {
        try {
            long free = Files.getFileStore(directory).getUsableSpace();
            return free < MIN_FREE_BYTES ? "the disk has " + free / 1024 + " KiB free" : null;
        } catch (IOException e) {
            return "its disk cannot be asked for free space: " + e.getMessage();
        }
    }

    void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
