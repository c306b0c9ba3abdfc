package io.midge.broker.persistence;

/**
 * The store cannot do what was asked: it cannot be opened (the message names the directory and what to do), or a
 * write failed (the disk is full or failing: {@link StoreWriteFailedException}). A broker that sees a write fail must
 * not acknowledge what it wrote; after a failed write the store takes no more until {@link StoreRecovery} has opened
 * it again.
 */
public class PersistenceException extends RuntimeException {
    public PersistenceException(String message) {
        super(message);
    }

    public PersistenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
