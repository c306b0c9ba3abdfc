package io.midge.broker.persistence;

/** A restored queued delivery, not sent yet; {@code sequence} is its key, to remove it once done. */
public record QueuedDelivery(long sequence, StoredDelivery delivery) {
}
