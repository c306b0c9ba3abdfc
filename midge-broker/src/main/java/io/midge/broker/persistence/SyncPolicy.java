package io.midge.broker.persistence;

/** When the write-ahead log reaches the disk. The log itself is always written: it is never turned off. */
public enum SyncPolicy {
    /** Every write is synced before it completes; writers group many writes into one sync. The default. */
    ALWAYS,
    /**
     * Writes complete once in the operating system's cache (they survive a crash of the broker, not of the
     * machine); the log is synced every {@link PersistenceOptions#syncIntervalMillis()}.
     */
    INTERVAL,
    /** Writes complete once in the operating system's cache; the system syncs when it likes. */
    NONE
}
