package io.midge.broker.persistence;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SkipListMemTableConfig;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on RocksDB, in one data directory: one key space laid out by {@link Keys}, written by one
 * {@link BucketWriter} per bucket of owners with group commit, read back by {@link Recovery}.
 *
 * <p>The write-ahead log is always on. Under {@link SyncPolicy#ALWAYS} every commit is synced before its futures
 * complete (except a commit only of batches that need no sync, {@link StoreBatch#noSyncNeeded}); under
 * {@link SyncPolicy#INTERVAL} a timer syncs the log; under {@link SyncPolicy#NONE} the operating system does.
 * Either way a write that completed survives a kill of the broker's process.
 */
public final class RocksDbPersistence implements Persistence {
    private static final Logger log = LoggerFactory.getLogger(RocksDbPersistence.class);
    private final Path directory;
    private final OpenDb db;
    private final StoreRecovery recovery;
    private final Options dbOptions;
    private final WriteOptions writeOptions;
    private final WriteOptions unsyncedOptions;
    private final PersistenceOptions options;
    private final BucketWriter[] writers;
    private final ScheduledExecutorService syncTimer;
    private final StoreStats stats = new StoreStats();
    private final AtomicReference<PersistenceException> failed = new AtomicReference<>();
    private final AtomicBoolean written = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RocksDbPersistence(Path directory, RocksDB db, Options dbOptions, PersistenceOptions options,
                               UnaryOperator<BucketWriter.StoreWrite> writes) {
        this.directory = directory;
        this.db = new OpenDb(directory.toString(), dbOptions, db);
        this.recovery = new StoreRecovery(directory, this.db, failed, stats, options.recoveryRetryMillis());
        this.dbOptions = dbOptions;
        this.options = options;
        this.writeOptions = new WriteOptions().setSync(options.syncPolicy() == SyncPolicy.ALWAYS).setDisableWAL(false);
        this.unsyncedOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        this.writers = new BucketWriter[options.buckets()];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new BucketWriter(i, writes.apply(this.db::write), writeOptions, unsyncedOptions, directory.toString(), options,
                    stats, failed, recovery::writeFailed);
        }
        if (options.syncPolicy() == SyncPolicy.INTERVAL) {
            syncTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "midge-store-sync");
                t.setDaemon(true);
                return t;
            });
            syncTimer.scheduleWithFixedDelay(this::syncWal, options.syncIntervalMillis(),
                    options.syncIntervalMillis(), TimeUnit.MILLISECONDS);
        } else {
            syncTimer = null;
        }
    }

    /**
     * Opens the store in {@code directory}, creating the directory and a new store when absent or empty. Refuses,
     * with a {@link PersistenceException} that names the directory and what to do, a directory in use by another
     * broker, a damaged or unreadable store, files that are not a Midge store, and a store of another format.
     */
    public static RocksDbPersistence open(Path directory, PersistenceOptions options) {
        return open(directory, options, UnaryOperator.identity());
    }

    private static Options options(boolean fresh) {
        DBOptions db = new DBOptions()
                .setCreateIfMissing(fresh)
                .setParanoidChecks(true)
                // Replays the log up to the first damaged record: what a kill cut off mid-write is dropped.
                .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
                .setMaxBackgroundJobs(2)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(3)
                .setAllowConcurrentMemtableWrite(false); // one writer at a time
        Properties hint = new Properties(); // RocksJava has no setter for this one
        hint.setProperty("memtable_insert_with_hint_prefix_extractor", "rocksdb.FixedPrefix.1");
        ColumnFamilyOptions table = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(hint);
        if (table == null) {
            db.close();
            throw new IllegalStateException("RocksDB did not take the memtable's insert hint option");
        }
        // The skip list (RocksDB's default memtable). A vector memtable, which appends and sorts everything when it
        // flushes, cost 10-11 % more CPU per durable QoS 1 delivery (fan-in and pairs, durability.sh): its sort
        // compared each entry about log n times. With the hint, each insert is searched for from where the previous
        // one of its key area went ('C' for all clients), walking up only as far as it must: a delivery's sent
        // record lands a few entries behind the newest queued ones, which without the hint starts a search from the
        // top of the list.
        table.setMemTableConfig(new SkipListMemTableConfig())
                .setCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            return new Options(db, table);
        } finally {
            db.close();
            table.close();
        }
    }

    /** {@link #open(Path, PersistenceOptions)} with the writers' writes wrapped, for tests that hold or fail them. */
    static RocksDbPersistence open(Path directory, PersistenceOptions options,
                                   UnaryOperator<BucketWriter.StoreWrite> writes) {
        Path dir = directory.toAbsolutePath().normalize();
        boolean fresh = StoreDirectory.prepare(dir);
        RocksDB.loadLibrary();
        Options dbOptions = options(fresh);
        RocksDB db;
        try {
            db = RocksDB.open(dbOptions, dir.toString());
        } catch (RocksDBException e) {
            dbOptions.close();
            throw StoreDirectory.openFailure(dir, e);
        }
        try {
            StoreDirectory.checkFormat(db, dir);
        } catch (RocksDBException | RuntimeException e) {
            db.close();
            dbOptions.close();
            throw e instanceof PersistenceException p ? p : new PersistenceException("The store in " + dir
                    + " cannot be read: " + e.getMessage() + ". Move the directory away to start empty, or restore "
                    + "a backup.", e);
        }
        log.info("Store opened in {} ({}, sync {})", dir, fresh ? "new" : "existing", options.syncPolicy());
        return new RocksDbPersistence(dir, db, dbOptions, options, writes);
    }

    public Path directory() {
        return directory;
    }

    public StoreStats stats() {
        return stats;
    }

    @Override
    public StoreBatch batch(String owner) {
        return new EncodedBatch(owner);
    }

    @Override
    public boolean deliversBeforeDurable() {
        // Not while the store refuses writes: a publish it cannot take is then not delivered either. Only with one
        // writer: with several, a subscriber's delete of an entry its writer took could be committed before the
        // publisher's put of it on another, and the entry come back after a restart.
        return writers.length == 1 && failed.get() == null;
    }

    @Override
    public CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        if (!(batch instanceof EncodedBatch encoded)) {
            throw new IllegalArgumentException("not a batch of this store: " + batch);
        }
        encoded.seal();
        written.set(true);
        return writers[bucketOf(encoded.owner())].submit(encoded, completeOn);
    }

    @Override
    public CompletableFuture<Void> barrier() {
        CompletableFuture<?>[] all = new CompletableFuture<?>[writers.length];
        for (int i = 0; i < writers.length; i++) {
            BucketWriter writer = writers[i];
            // Two empty batches, the second after the first: it commits in a later group than every batch before
            // the call, whose completions the writer handed to their loops by then.
            all[i] = writer.submit(empty(), null).thenCompose(v -> writer.submit(empty(), null));
        }
        return CompletableFuture.allOf(all);
    }

    private static EncodedBatch empty() {
        EncodedBatch batch = new EncodedBatch(null);
        batch.seal();
        return batch;
    }

    private int bucketOf(String owner) {
        return owner == null ? 0 : Math.floorMod(owner.hashCode(), writers.length);
    }

    @Override
    public RecoveredState recover() {
        return recover(System.currentTimeMillis());
    }

    /** {@link #recover()} as of {@code nowMillis}, the wall-clock time that decides what expired. */
    public RecoveredState recover(long nowMillis) {
        if (closed.get()) {
            throw new IllegalStateException("the store is closed");
        }
        if (written.get()) {
            // Recovery deletes what expired; a write racing it could be lost or resurrected.
            throw new IllegalStateException("recover() must run before the first write");
        }
        long start = System.nanoTime();
        RecoveredState state = Recovery.run(db.initial(), directory.toString(), nowMillis);
        log.info("Store in {} restored in {} ms: {} sessions, {} retained messages, {} wills; dropped {} expired "
                        + "sessions and {} expired messages", directory, (System.nanoTime() - start) / 1_000_000,
                state.sessions().size(), state.retained().size(), state.wills().size(), state.droppedSessions(),
                state.droppedMessages());
        return state;
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    private void syncWal() {
        try {
            db.flushWal();
        } catch (RocksDBException | RuntimeException e) {
            log.error("Syncing the write-ahead log in {} failed: {}", directory, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        recovery.close();
        for (BucketWriter writer : writers) {
            writer.stop();
        }
        if (syncTimer != null) {
            syncTimer.shutdownNow();
            try {
                syncTimer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // A clean stop leaves nothing unsynced, whatever the policy (under ALWAYS, batches that needed no sync).
        syncWal();
        db.close();
        writeOptions.close();
        unsyncedOptions.close();
        dbOptions.close();
        log.info("Store in {} closed", directory);
    }
}
