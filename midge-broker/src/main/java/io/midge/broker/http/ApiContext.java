package io.midge.broker.http;

import io.midge.broker.protocol.BrokerContext;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the management API reads and acts through: the broker's parts (the same the connections use), its state,
 * its meters, and its MQTT listeners as bound (their ports are known only once they are).
 */
public record ApiContext(BrokerContext broker, BrokerHealth health, BrokerMeters meters,
                         Supplier<List<ListenerView>> listeners, long startedNanos, Supplier<List<NodeView>> nodes,
                         Supplier<List<BridgeView>> bridges) {

    /** This node's identifier in a cluster (the {@code node} of its clients), or null for a broker on its own. */
    public String nodeId() {
        return broker.config().cluster().enabled() ? broker.config().cluster().nodeId() : null;
    }

    /**
     * One node of the cluster as {@code GET /api/v1/nodes} shows it; {@code linkUp} and {@code queued} are null
     * for the node answering, {@code mqttAddress} and {@code clients} until the node said.
     */
    public record NodeView(String id, String mqttAddress, boolean self, Boolean linkUp, Integer clients,
                           Long queued) {
    }

    /** One MQTT listener as {@code GET /api/v1/listeners} shows it. */
    public record ListenerView(String name, String transport, String host, int port, int connections,
                               boolean anonymousAllowed) {
    }

    /** One bridge as {@code GET /api/v1/bridges} and the metrics show it (see the bridge package's BridgeStatus). */
    public record BridgeView(String name, String address, String state, boolean connected, int queued,
                             long queuedBytes, long sent, long received, long dropped, String lastError) {
        /** Every state a bridge may be in (the bridge package's BridgeStatus says what each means). */
        public static final List<String> STATES = List.of("running", "connecting", "standby", "draining", "stopped");
    }
}
