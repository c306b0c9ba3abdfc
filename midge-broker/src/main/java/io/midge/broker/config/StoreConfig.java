package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.SYNC;
import static io.midge.broker.config.ConfigKeys.SYNC_INTERVAL_MS;

import io.midge.broker.persistence.SyncPolicy;
import java.nio.file.Path;

/** Where sessions, queues and retained messages are kept and how durably: the {@link ConfigArea#STORE} keys. */
public final class StoreConfig {
    // Read once: the settings are fixed, and some of these are read for every message.
    private final Path dataDir;
    private final boolean inMemory;
    private final SyncPolicy sync;
    private final long syncIntervalMillis;

    StoreConfig(Settings settings) {
        this.dataDir = settings.get(DATA_DIR);
        this.inMemory = settings.get(IN_MEMORY);
        this.sync = settings.get(SYNC);
        this.syncIntervalMillis = settings.get(SYNC_INTERVAL_MS);
    }

    /** Where the store keeps its files (created when absent). */
    public Path dataDir() {
        return dataDir;
    }

    /** Keep nothing across restarts: no store, nothing written to disk. */
    public boolean inMemory() {
        return inMemory;
    }

    /** When the store's write-ahead log reaches the disk. */
    public SyncPolicy sync() {
        return sync;
    }

    /** How often the log is synced under {@link SyncPolicy#INTERVAL}. */
    public long syncIntervalMillis() {
        return syncIntervalMillis;
    }
}
