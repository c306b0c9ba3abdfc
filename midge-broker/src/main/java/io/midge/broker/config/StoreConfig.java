package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.SYNC;
import static io.midge.broker.config.ConfigKeys.SYNC_INTERVAL_MS;

import io.midge.broker.persistence.SyncPolicy;
import java.nio.file.Path;

/** Where sessions, queues and retained messages are kept and how durably: the {@link ConfigArea#STORE} keys. */
public final class StoreConfig {
    private final Settings settings;

    StoreConfig(Settings settings) {
        this.settings = settings;
    }

    /** Where the store keeps its files (created when absent). */
    public Path dataDir() {
        return settings.get(DATA_DIR);
    }

    /** Keep nothing across restarts: no store, nothing written to disk. */
    public boolean inMemory() {
        return settings.get(IN_MEMORY);
    }

    /** When the store's write-ahead log reaches the disk. */
    public SyncPolicy sync() {
        return settings.get(SYNC);
    }

    /** How often the log is synced under {@link SyncPolicy#INTERVAL}. */
    public long syncIntervalMillis() {
        return settings.get(SYNC_INTERVAL_MS);
    }
}
