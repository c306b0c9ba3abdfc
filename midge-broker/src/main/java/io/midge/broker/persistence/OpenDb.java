package io.midge.broker.persistence;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB, which the store may close and open again while the broker runs. After a write fails (a full or
 * failing disk), RocksDB takes no more writes until it is opened again; {@link StoreRecovery} does that once the disk
 * can take writes. Writers hold the read lock while they call RocksDB, so the database is never closed under them.
 */
final class OpenDb {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String directory;
    private final Options options;
    /** Guarded by {@link #lock}; null while a reopening failed. */
    private RocksDB db;

    OpenDb(String directory, Options options, RocksDB db) {
        this.directory = directory;
        this.options = options;
        this.db = db;
    }

    /** The database as opened at start, for what runs before any writer (recovery of the state, format checks). */
    RocksDB initial() {
        return db;
    }

    void write(WriteOptions writeOptions, WriteBatch batch) throws RocksDBException {
        lock.readLock().lock();
        try {
            if (db == null) {
                throw new RocksDBException("the store is not open");
            }
            db.write(writeOptions, batch);
        } finally {
            lock.readLock().unlock();
        }
    }

    void flushWal() throws RocksDBException {
        lock.readLock().lock();
        try {
            if (db != null) {
                db.flushWal(true);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Closes the database and opens it again, which replays its write-ahead log: what was written before the failure
     * is there, what failed is not (RocksDB writes a batch whole or not at all).
     */
    void reopen() throws RocksDBException {
        lock.writeLock().lock();
        try {
            if (db != null) {
                db.close();
                db = null;
            }
            db = RocksDB.open(options, directory);
        } finally {
            lock.writeLock().unlock();
        }
    }

    void close() {
        lock.writeLock().lock();
        try {
            if (db != null) {
                db.close();
                db = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A write's failure as the store reports it: the log's full account, and the client's short reason. */
    static StoreWriteFailedException failure(String directory, Exception e) {
        boolean full = e instanceof RocksDBException r && r.getStatus() != null
                && r.getStatus().getSubCode() == Status.SubCode.NoSpace
                || String.valueOf(e.getMessage()).contains("No space left on device");
        String reason = full ? "no space left on device" : "I/O error";
        return new StoreWriteFailedException("Writing to the store in " + directory + " failed (" + reason + "): "
                + e.getMessage() + ". Nothing more is acknowledged until the store can write again; the broker "
                + "retries by itself once the disk has room", reason, e);
    }
}
