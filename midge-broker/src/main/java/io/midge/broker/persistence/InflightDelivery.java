package io.midge.broker.persistence;

/**
 * A restored outbound delivery that was sent and not completed: PUBLISH to re-send with DUP, or, in
 * {@link InflightState#AWAITING_PUBCOMP}, a PUBREL to re-send.
 *
 * @param sequence the sequence of its queued entry (which still holds the message unless PUBREC came)
 * @param delivery the delivery, or null in {@link InflightState#AWAITING_PUBCOMP}
 */
public record InflightDelivery(int packetId, long sequence, InflightState state, StoredDelivery delivery) {
}
