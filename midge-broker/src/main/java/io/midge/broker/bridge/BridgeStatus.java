package io.midge.broker.bridge;

/**
 * A bridge as the management API, the metrics and {@code $SYS} show it.
 *
 * @param queued    messages held for the remote: queued and in flight
 * @param sent      messages published to the remote since the broker started
 * @param received  messages from the remote published here
 * @param dropped   messages dropped at the queue's bound or as too large for the remote
 * @param lastError why the link last failed, or null
 */
public record BridgeStatus(String name, String address, boolean connected, int queued, long queuedBytes, long sent,
                           long received, long dropped, String lastError) {
}
