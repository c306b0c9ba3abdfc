package io.midge.broker.http;

import io.midge.broker.protocol.BrokerContext;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the management API reads and acts through: the broker's parts (the same the connections use), its state,
 * its meters, and its MQTT listeners as bound (their ports are known only once they are).
 */
public record ApiContext(BrokerContext broker, BrokerHealth health, BrokerMeters meters,
                         Supplier<List<ListenerView>> listeners, long startedNanos,
                         Supplier<List<BridgeView>> bridges) {

    /** One MQTT listener as {@code GET /api/v1/listeners} shows it. */
    public record ListenerView(String name, String transport, String host, int port, int connections,
                               boolean anonymousAllowed) {
    }

    /** One bridge as {@code GET /api/v1/bridges} and the metrics show it (see the bridge package's BridgeStatus). */
    public record BridgeView(String name, String address, boolean connected, int queued, long queuedBytes, long sent,
                             long received, long dropped, String lastError) {
    }
}
