package io.midge.broker.persistence;

/**
 * A write was refused because its writer's queue is full: the disk does not keep up. Nothing of the batch was
 * written. The broker answers as it does to any overload (for a PUBLISH in MQTT 5.0: 0x97 Quota exceeded).
 */
public final class StoreOverloadedException extends PersistenceException {
    public StoreOverloadedException(String message) {
        super(message);
    }
}
