package io.midge.broker.persistence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The checks around opening a data directory, so that a broker never starts empty over existing data: a missing
 * directory is created, an empty one gets a new store, anything else must be a readable Midge store of a format
 * this broker reads. Every refusal names the directory and says what to do.
 */
final class StoreDirectory {
    /**
     * The format of keys and values; bump it when either changes incompatibly. Version 2 added the sent records
     * behind queued deliveries (see {@link Keys}), which a broker that reads only version 1 would take for queued
     * deliveries. Version 3 lets a queued delivery's value say it was sent at QoS 1, and under which packet
     * identifier ({@link Values#writeSentDelivery}), which a broker that reads only up to version 2 would misread. An
     * older store is a valid store of the current version, and is marked as one when it is opened.
     */
    static final int FORMAT_VERSION = 3;
    private static final int OLDEST_READABLE = 1;

    private static final String WHAT_TO_DO = "Move the directory away to start empty, or restore a backup.";

    private StoreDirectory() {
    }

    /** Creates the directory when absent; returns whether it is empty, that is, whether to create a new store. */
    static boolean prepare(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PersistenceException("The data directory " + dir + " is not a directory. Give --data-dir a "
                    + "directory, or move the file away.");
        }
        try {
            Files.createDirectories(dir);
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new PersistenceException("The data directory " + dir + " cannot be created or read: " + e
                    + ". Check its path and permissions.", e);
        }
        if (!Files.exists(dir.resolve("CURRENT"))) {
            throw new PersistenceException("The data directory " + dir + " holds files but no store (it has no "
                    + "CURRENT file): it is not a Midge data directory, or its store is damaged. Midge does not "
                    + "start empty over existing data. " + WHAT_TO_DO);
        }
        return false;
    }

    /** Translates RocksDB's refusal to open into what the operator needs to know. */
    static PersistenceException openFailure(Path dir, RocksDBException e) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(java.util.Locale.ROOT);
        // RocksDB holds an advisory lock on the LOCK file while a store is open: "While lock file: .../LOCK:
        // Resource temporarily unavailable" from another process, "lock hold by current process" from this one.
        if (lower.contains("lock file") || lower.contains("lock hold")) {
            return new PersistenceException("The data directory " + dir + " is already in use by another broker "
                    + "(its LOCK file is held). Stop that broker first, or give this one another --data-dir.", e);
        }
        return new PersistenceException("The store in " + dir + " cannot be opened: " + message + ". It is damaged "
                + "or unreadable; Midge does not start empty over existing data. " + WHAT_TO_DO, e);
    }

    /** Writes the format marker into a new store, or checks it in an existing one. */
    static void checkFormat(RocksDB db, Path dir) throws RocksDBException {
        byte[] marker = db.get(Keys.FORMAT);
        if (marker == null) {
            if (!isEmpty(db)) {
                throw new PersistenceException("The data directory " + dir + " holds a RocksDB store without Midge's "
                        + "format marker: it is not a Midge store. " + WHAT_TO_DO);
            }
            // A new store (or one whose creation stopped before this write: it holds nothing to lose).
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                db.put(sync, Keys.FORMAT, Values.formatVersion(FORMAT_VERSION));
            }
            return;
        }
        int version;
        try {
            version = Values.formatVersion(marker);
        } catch (IllegalStateException e) {
            throw new PersistenceException("The store in " + dir + " has a damaged format marker. " + WHAT_TO_DO, e);
        }
        if (version < OLDEST_READABLE || version > FORMAT_VERSION) {
            throw new PersistenceException("The store in " + dir + " has format version " + version + "; this broker "
                    + "reads versions " + OLDEST_READABLE + " to " + FORMAT_VERSION + ". Start the broker version that "
                    + "wrote it, or " + WHAT_TO_DO.substring(0, 1).toLowerCase(java.util.Locale.ROOT)
                    + WHAT_TO_DO.substring(1));
        }
        if (version < FORMAT_VERSION) {
            // Before anything is written in the new format, so that an older broker refuses the store from now on.
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                db.put(sync, Keys.FORMAT, Values.formatVersion(FORMAT_VERSION));
            }
        }
    }

    private static boolean isEmpty(RocksDB db) {
        try (RocksIterator it = db.newIterator()) {
            it.seekToFirst();
            return !it.isValid();
        }
    }
}
