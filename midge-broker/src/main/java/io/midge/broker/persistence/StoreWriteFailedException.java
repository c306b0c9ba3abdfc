package io.midge.broker.persistence;

/**
 * A write the store could not make: the disk is full or failing. Its message, for the log, names the directory and
 * RocksDB's account; {@link #reason()} is the short form a client may be told (no paths).
 */
public final class StoreWriteFailedException extends PersistenceException {
    private final String reason;

    StoreWriteFailedException(String message, String reason, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** What went wrong, for a client's Reason String: "no space left on device" or "I/O error". */
    public String reason() {
        return reason;
    }
}
