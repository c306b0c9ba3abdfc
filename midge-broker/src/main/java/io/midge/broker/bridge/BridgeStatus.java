package io.midge.broker.bridge;

/**
 * A bridge as the management API, the metrics and {@code $SYS} show it.
 *
 * @param state     what this broker does of the bridge: {@code running} (it runs the bridge and the link is up),
 *                  {@code connecting} (it runs the bridge, the link is down: connecting, or waiting to retry),
 *                  {@code standby} (on a cluster, another node runs it), {@code draining} (another node runs it, and
 *                  this one sends what its queue kept from when it ran it) or {@code stopped} (removed, or the broker
 *                  stops); the management API lists them all for the metrics
 * @param connected whether this broker's link to the remote is up (a draining node's too)
 * @param queued    messages held for the remote: queued and in flight
 * @param sent      messages published to the remote since the broker started
 * @param received  messages from the remote published here
 * @param dropped   messages dropped at the queue's bound or as too large for the remote
 * @param lastError why the link last failed, or null
 */
public record BridgeStatus(String name, String address, String state, boolean connected, int queued,
                           long queuedBytes, long sent, long received, long dropped, String lastError) {
}
