package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * What every node tells the others about itself, for the management API ({@code GET /api/v1/nodes}): where its
 * clients connect and how many are connected, in the replicated map {@code midge.nodes} ({@code <node>} to
 * {@code <mqtt host:port> <clients>}), written by each node for itself every few seconds when it changed. The API
 * reads this node's copy of the map and its own links and queues; never a remote map per request.
 *
 * <p>Threads: {@link #publish} on the cluster's thread, which hands the write to the cluster's writer
 * ({@code writes}: a replicated map's {@code put} may wait seconds); {@link #nodes} on any (the API's).
 */
final class NodeDirectory {
    static final String MAP = "midge.nodes";

    private final String self;
    private final SessionRegistry sessions;
    private final NodeQueues queues;
    private final Executor writes;
    private ReplicatedMap<String, String> map;
    private volatile String mqttAddress;
    private String published;

    NodeDirectory(String self, SessionRegistry sessions, NodeQueues queues, Executor writes) {
        this.self = self;
        this.writes = writes;
        this.sessions = sessions;
        this.queues = queues;
    }

    void connect(ReplicatedMap<String, String> nodes) {
        this.map = nodes;
    }

    /** Where this node's MQTT clients connect (its first listener), once it listens. */
    void mqttAddress(String address) {
        this.mqttAddress = address;
    }

    /** Writes this node's entry when it changed. A walk over the sessions: every few seconds, not per message. */
    void publish() {
        String address = mqttAddress;
        if (map == null || address == null) {
            return;
        }
        String entry = address + " " + clientsConnected();
        if (!entry.equals(published)) {
            ReplicatedMap<String, String> nodes = map;
            writes.execute(() -> nodes.put(self, entry));
            published = entry;
        }
    }

    private int clientsConnected() {
        int n = 0;
        for (Session s : sessions.sessions()) {
            if (s.isOnline() && !NodeClientIds.isNode(s.clientId())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Every node this one knows of (announced in the route table or here), sorted by identifier; {@code linkUp}
     * says whether this node's link to it is up now.
     */
    List<NodeInfo> nodes(Iterable<String> known, Predicate<String> linkUp) {
        TreeSet<String> ids = new TreeSet<>();
        known.forEach(ids::add);
        ids.addAll(map.keySet());
        ids.add(self);
        List<NodeInfo> result = new ArrayList<>();
        for (String id : ids) {
            String entry = map.get(id);
            String address = entry == null ? null : entry.substring(0, entry.indexOf(' '));
            Integer clients = entry == null ? null : Integer.valueOf(entry.substring(entry.indexOf(' ') + 1));
            if (id.equals(self)) {
                result.add(new NodeInfo(id, mqttAddress, true, null, clientsConnected(), null));
            } else {
                Session q = queues.queueOf(id);
                Long queued = q == null ? 0L : (long) q.queue().pendingMessages() + q.queue().inflightCount();
                result.add(new NodeInfo(id, address, false, linkUp.test(id), clients, queued));
            }
        }
        return result;
    }

    /** For tests and logs: the entries as this node's copy has them. */
    Map<String, String> entries() {
        return Map.copyOf(map);
    }
}
