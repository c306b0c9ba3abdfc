package io.midge.broker;

import io.midge.broker.bridge.BridgeStatus;
import io.midge.broker.bridge.Bridges;
import io.midge.broker.cluster.Cluster;
import io.midge.broker.cluster.NodeInfo;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.http.ApiContext;
import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.transport.MqttListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker's parts as the management API, the metrics and {@code $SYS} show them: read when asked, from the parts
 * as they are then.
 */
final class ManagementViews {
    private ManagementViews() {
    }

    /** The cluster's nodes as the management API shows them; none for a broker on its own. */
    static List<ApiContext.NodeView> nodeViews(Cluster cluster) {
        if (cluster == null) {
            return List.of();
        }
        List<ApiContext.NodeView> views = new ArrayList<>();
        for (NodeInfo n : cluster.nodes()) {
            views.add(new ApiContext.NodeView(n.id(), n.mqttAddress(), n.self(), n.linkUp(), n.clients(), n.queued()));
        }
        return views;
    }

    /** The bridges as the management API and the metrics show them. */
    static List<ApiContext.BridgeView> bridgeViews(Bridges bridges) {
        List<ApiContext.BridgeView> views = new ArrayList<>();
        for (BridgeStatus b : bridges.status()) {
            views.add(new ApiContext.BridgeView(b.name(), b.address(), b.state(), b.connected(), b.queued(),
                    b.queuedBytes(), b.sent(), b.received(), b.dropped(), b.lastError()));
        }
        return views;
    }

    /** The bridges' figures under {@code $SYS/broker/bridges/<name>/...}. */
    static Map<String, String> bridgeFigures(Bridges bridges) {
        Map<String, String> figures = new LinkedHashMap<>();
        for (BridgeStatus b : bridges.status()) {
            String at = "bridges/" + b.name() + "/";
            figures.put(at + "state", b.state());
            figures.put(at + "connected", b.connected() ? "1" : "0");
            figures.put(at + "queued", Integer.toString(b.queued()));
            figures.put(at + "sent", Long.toString(b.sent()));
            figures.put(at + "received", Long.toString(b.received()));
            figures.put(at + "dropped", Long.toString(b.dropped()));
            figures.put(at + "last-error", b.lastError() == null ? "" : b.lastError());
        }
        return figures;
    }

    /** The MQTT listeners as the management API shows them; read when asked, from the list as it is then. */
    static List<ApiContext.ListenerView> listenerViews(List<MqttListener> listeners, BrokerContext context) {
        List<ApiContext.ListenerView> views = new ArrayList<>();
        for (MqttListener l : List.copyOf(listeners)) {
            ListenerConfig c = l.config();
            views.add(new ApiContext.ListenerView(c.name(), c.transport().configName(), c.host(), l.port(),
                    context.limits().openConnections(c.name()), c.anonymousAllowed()));
        }
        return views;
    }
}
