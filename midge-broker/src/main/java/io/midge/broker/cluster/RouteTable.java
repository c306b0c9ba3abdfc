package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.routing.FilterWatcher;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Subscriber;
import io.midge.codec.Topics;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The cluster's route table: which node has subscribers to which filter, in a Hazelcast replicated map keyed
 * {@code node NUL filter}, plus one entry {@code node NUL} per node that says whether it is up and where its link
 * listener is. Each node writes its own entries only: a filter when its first local subscriber comes, its removal
 * when the last one goes (counted here per filter; a share group's filter {@code $share/g/f} is a route of its
 * own). The publish path never reads the map: each node mirrors the others' routes into its local topic tree, as
 * the subscriptions of their forwarding queues ({@link NodeQueues}).
 *
 * <p>Threads: the counts change on any loop ({@link FilterWatcher}); the map is written on the cluster's thread,
 * which reads the count again, so that changes racing on two loops settle on the last state, whatever their order.
 */
final class RouteTable implements FilterWatcher {
    static final char SEPARATOR = '\0';
    static final String UP = "up ";
    static final String STOPPED = "stopped";

    private final String self;
    private final Executor clusterThread;
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
    private volatile ReplicatedMap<String, String> map;

    RouteTable(String self, Executor clusterThread) {
        this.self = self;
        this.clusterThread = clusterThread;
    }

    /** The map is there: from now on changes are written (what came before is in {@link #syncOwn}). */
    void connect(ReplicatedMap<String, String> routes) {
        this.map = routes;
    }

    static String key(String node, String filter) {
        return node + SEPARATOR + filter;
    }

    /**
     * The route a subscription to {@code filter} needs: the filter itself, a shared one too ({@code $share/g/f} is a
     * route of its own, so that a publishing node knows which nodes have members of which group and picks one node
     * per group); null for {@code $SYS} and the like, each node's own.
     */
    static String routed(String filter) {
        String topics = Topics.isSharedFilter(filter)
                ? filter.substring(filter.indexOf('/', Topics.SHARE_PREFIX.length()) + 1) : filter;
        return topics.startsWith("$") ? null : filter;
    }

    @Override
    public void added(Subscriber subscriber, String filter) {
        if (NodeClientIds.isNode(subscriber.clientId())) {
            return;
        }
        String routed = routed(filter);
        if (routed == null) {
            return;
        }
        if (counts.merge(routed, 1, Integer::sum) == 1) {
            clusterThread.execute(() -> write(routed));
        }
    }

    @Override
    public void removed(Subscriber subscriber, String filter) {
        if (NodeClientIds.isNode(subscriber.clientId())) {
            return;
        }
        String routed = routed(filter);
        if (routed == null) {
            return;
        }
        if (counts.computeIfPresent(routed, (f, n) -> n <= 1 ? null : n - 1) == null) {
            clusterThread.execute(() -> write(routed));
        }
    }

    /** Writes the filter's route as the count says now. On the cluster's thread. */
    private void write(String filter) {
        ReplicatedMap<String, String> routes = map;
        if (routes == null) {
            return; // not joined yet: syncOwn writes them all
        }
        String key = key(self, filter);
        if (counts.containsKey(filter)) {
            if (!routes.containsKey(key)) {
                routes.put(key, "");
            }
        } else if (routes.containsKey(key)) {
            routes.remove(key);
        }
    }

    /**
     * Makes this node's entries what its subscriptions say: announces the missing ones and drops those no session
     * wants any more (left from before a restart). On the cluster's thread.
     */
    void syncOwn() {
        ReplicatedMap<String, String> routes = map;
        Set<String> wanted = new HashSet<>(counts.keySet());
        String prefix = self + SEPARATOR;
        for (String key : routes.keySet()) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                String filter = key.substring(prefix.length());
                if (!wanted.remove(filter) && !counts.containsKey(filter)) {
                    routes.remove(key);
                }
            }
        }
        for (String filter : wanted) {
            routes.put(key(self, filter), "");
        }
    }

    /** This node's entry: up, with its link listener's address, or stopped. */
    void announce(String state) {
        map.put(key(self, ""), state);
    }

    /** The other nodes' routes by node, as the local copy of the map has them now. */
    Map<String, Set<String>> othersRoutes() {
        Map<String, Set<String>> byNode = new HashMap<>();
        for (String key : map.keySet()) {
            int sep = key.indexOf(SEPARATOR);
            String node = key.substring(0, sep);
            if (!node.equals(self)) {
                Set<String> filters = byNode.computeIfAbsent(node, n -> new HashSet<>());
                if (sep + 1 < key.length()) {
                    filters.add(key.substring(sep + 1));
                }
            }
        }
        return byNode;
    }

    /** A node's own entry ("up host:port" or "stopped"), or null when it never announced itself. */
    String state(String node) {
        return map.get(key(node, ""));
    }

    /** How many filters this node's subscribers want. */
    int ownRoutes() {
        return counts.size();
    }
}
