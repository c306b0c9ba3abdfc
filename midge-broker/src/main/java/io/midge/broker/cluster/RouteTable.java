package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.routing.FilterWatcher;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.midge.codec.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cluster's route table: which node has subscribers to which filter, in a Hazelcast replicated map keyed
 * {@code node NUL filter}, plus one entry {@code node NUL} per node that says whether it is up and where its link
 * listener is. Each node writes its own entries only: a filter when its first local subscriber comes, its removal
 * when the last one goes (counted here per filter; a share group's filter {@code $share/g/f} is a route of its
 * own). The publish path never reads the map: each node mirrors the others' routes into its local topic tree, as
 * the subscriptions of their forwarding queues ({@link NodeQueues}).
 *
 * <p>A route's value says whether it is durable: empty when a persistent session (one the store keeps) wants the
 * filter at QoS 1 or 2, {@value #CLEAN} when only clean sessions or QoS 0 subscriptions do. The other nodes store
 * what they forward through a durable route before acknowledging it; through a clean one only at QoS 2. Durable is
 * the empty value, so that a value this node does not know means durable: when in doubt, store.
 *
 * <p>Threads: the counts change on any loop ({@link FilterWatcher}); the map is written on a thread of its own (the
 * cluster's {@code midge-cluster-writes}), which reads the count again and looks at the filter's subscriptions in the
 * topic tree, so that changes racing on two loops settle on the last state, whatever their order. Not on the
 * cluster's thread: a replicated map's {@code put} waits for the entry's partition owner, and took 5.4 s once on a
 * loaded machine, while the cluster's thread must go on following the other nodes' routes and links. One thread
 * for every write of this node's entries keeps them in order: a route added then removed ends removed.
 */
final class RouteTable implements FilterWatcher {
    static final char SEPARATOR = '\0';
    static final String UP = "up ";
    static final String STOPPED = "stopped";
    /** The value of a route only clean sessions (or QoS 0 subscriptions) stand behind. */
    static final String CLEAN = "clean";
    /** The value of a durable route. */
    static final String DURABLE = "";

    private final String self;
    private final Executor writer;
    private final TopicTree tree;
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
    /**
     * This node's routes announced durable (as last written); read on the loops to skip work that changes nothing:
     * a clean route stays clean when a subscriber leaves.
     */
    private final Set<String> durable = ConcurrentHashMap.newKeySet();
    /** Routes with a write queued on the writer: a burst of changes to one filter makes one write. */
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    /**
     * This node's entries as it last wrote them (filter to value), the writer's own: what a write compares with,
     * rather than the local copy of the map, which may not show a write of this node's yet.
     */
    private final Map<String, String> written = new HashMap<>();
    /** A sync is queued on the writer: while a write waits on Hazelcast, the periodic syncs make one, not a pile. */
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private volatile ReplicatedMap<String, String> map;
    /** Tells the other nodes of a new route directly, before SUBACK; null until the handover's links exist. */
    private volatile RouteAnnouncer announcer;

    RouteTable(String self, Executor writer, TopicTree tree) {
        this.self = self;
        this.writer = writer;
        this.tree = tree;
    }

    /** The map is there: from now on changes are written (what came before is in {@link #syncOwn}). */
    void connect(ReplicatedMap<String, String> routes) {
        this.map = routes;
    }

    /** From now on a new route is also announced on the links, and SUBACK waits for it ({@link #spread}). */
    void announceWith(RouteAnnouncer routeAnnouncer) {
        this.announcer = routeAnnouncer;
    }

    static String key(String node, String filter) {
        return node + SEPARATOR + filter;
    }

    /** Whether a route's value (null: none) says it is durable. */
    static boolean isDurable(String value) {
        return !CLEAN.equals(value);
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

    /** Whether a subscription makes its route durable: a persistent session's (kept in the store) at QoS 1 or 2. */
    private static boolean durable(Subscriber subscriber, SubscriptionOptions options) {
        return options.qos() > 0 && subscriber.isStored() && !NodeClientIds.isNode(subscriber.clientId());
    }

    @Override
    public void added(Subscriber subscriber, String filter, SubscriptionOptions options) {
        if (NodeClientIds.isNode(subscriber.clientId())) {
            return;
        }
        String routed = routed(filter);
        if (routed == null) {
            return;
        }
        // A new route, or one that may have to be durable; another clean subscriber of a route changes nothing (a
        // fleet of clean sessions subscribing to one filter costs no look at the others). A durable subscriber
        // queues a write even when the route is durable already: a write racing with it may have looked at the
        // subscriptions just before it came (the write looks again, and stops at the first durable one).
        boolean durableNow = durable(subscriber, options);
        RouteAnnouncer a = announcer;
        RouteAnnouncer.Announcement[] made = new RouteAnnouncer.Announcement[1];
        // The announcement is noted within the count's update that finds the route new (or not durable yet for a
        // durable subscriber), so that a second subscriber on another loop, counted after it, finds it and its SUBACK
        // waits for it too.
        int count = counts.compute(routed, (f, n) -> {
            if (a != null && (n == null || (durableNow && !durable.contains(f)))) {
                made[0] = a.expect(f, durableNow || durable.contains(f));
            }
            return n == null ? 1 : n + 1;
        });
        if (made[0] != null) {
            a.announce(made[0]);
        }
        if (count == 1 || durableNow) {
            queueWrite(routed);
        }
    }

    /**
     * Completes once the other nodes forward these filters (of one SUBSCRIBE) here, as far as this node's announcements
     * of them on their way now go; at once on a single node. Never fails.
     */
    @Override
    public CompletableFuture<Void> spread(Collection<String> filters) {
        RouteAnnouncer a = announcer;
        if (a == null) {
            return FilterWatcher.super.spread(filters);
        }
        List<String> routedFilters = new ArrayList<>(filters.size());
        for (String filter : filters) {
            String routed = routed(filter);
            if (routed != null) {
                routedFilters.add(routed);
            }
        }
        return a.spread(routedFilters);
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
        // The route goes, or may be clean now.
        if (counts.computeIfPresent(routed, (f, n) -> n <= 1 ? null : n - 1) == null || durable.contains(routed)) {
            queueWrite(routed);
        }
    }

    @Override
    public void changed(Subscriber subscriber, String filter, SubscriptionOptions options) {
        if (NodeClientIds.isNode(subscriber.clientId())) {
            return;
        }
        String routed = routed(filter);
        if (routed == null) {
            return;
        }
        boolean durableNow = durable(subscriber, options);
        RouteAnnouncer a = announcer;
        if (durableNow && a != null && !durable.contains(routed)) {
            // Durable from now on: the other nodes store what they forward through it before acknowledging it.
            RouteAnnouncer.Announcement made = a.expect(routed, true);
            if (made != null) {
                a.announce(made);
            }
        }
        if (durableNow || durable.contains(routed)) {
            queueWrite(routed);
        }
    }

    private void queueWrite(String filter) {
        if (queued.add(filter)) {
            writer.execute(() -> write(filter));
        }
    }

    /** Writes the filter's route as the count and the subscriptions say now. On the writer. */
    private void write(String filter) {
        queued.remove(filter); // before reading: a change from now on queues another write
        ReplicatedMap<String, String> routes = map;
        String value = counts.containsKey(filter) ? value(filter) : null;
        if (routes == null) {
            return; // not joined yet: syncOwn writes them all
        }
        String key = key(self, filter);
        if (value == null) {
            if (written.remove(filter) != null) {
                routes.remove(key);
            }
        } else if (!value.equals(written.get(filter))) {
            written.put(filter, value);
            routes.put(key, value);
        }
    }

    /** A wanted route's value as its subscriptions say now, noted in {@link #durable}. */
    private String value(String filter) {
        if (tree.anySubscription(filter, s -> durable(s.subscriber(), s.options()))) {
            durable.add(filter);
            return DURABLE;
        }
        durable.remove(filter);
        return CLEAN;
    }

    /**
     * Makes this node's entries what its subscriptions say: announces the missing ones and drops those no session
     * wants any more (left from before a restart). Queued on the writer, after the writes queued before it.
     */
    void syncOwn() {
        if (syncQueued.compareAndSet(false, true)) {
            writer.execute(this::syncOwnNow);
        }
    }

    private void syncOwnNow() {
        syncQueued.set(false);
        ReplicatedMap<String, String> routes = map;
        Set<String> wanted = new HashSet<>(counts.keySet());
        String prefix = self + SEPARATOR;
        for (String key : routes.keySet()) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                String filter = key.substring(prefix.length());
                if (!wanted.remove(filter) && !counts.containsKey(filter)) {
                    written.remove(filter);
                    routes.remove(key);
                } else {
                    String value = routes.get(key);
                    if (value != null) {
                        written.put(filter, value);
                    }
                }
            }
        }
        for (String filter : wanted) {
            String value = value(filter);
            written.put(filter, value);
            routes.put(key(self, filter), value);
        }
    }

    /**
     * This node's entry: up, with its link listener's address, or stopped. Queued on the writer, after the writes
     * queued before it; completes once written.
     */
    CompletableFuture<Void> announce(String state) {
        return CompletableFuture.runAsync(() -> map.put(key(self, ""), state), writer);
    }

    /** The other nodes' routes by node, each filter with whether it is durable, as the local copy has them now. */
    Map<String, Map<String, Boolean>> othersRoutes() {
        Map<String, Map<String, Boolean>> byNode = new HashMap<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            String key = e.getKey();
            int sep = key.indexOf(SEPARATOR);
            String node = key.substring(0, sep);
            if (!node.equals(self)) {
                Map<String, Boolean> filters = byNode.computeIfAbsent(node, n -> new HashMap<>());
                if (sep + 1 < key.length()) {
                    filters.put(key.substring(sep + 1), isDurable(e.getValue()));
                }
            }
        }
        return byNode;
    }

    /** A node's own entry ("up host:port" or "stopped"), or null when it never announced itself. */
    String state(String node) {
        return map.get(key(node, ""));
    }

    /**
     * The entries of the whole table, every node's. On a node that just joined this waits until the table is copied
     * whole (the maps do not fill up asynchronously, see {@link HazelcastSetup}): the start reads it before it goes on.
     */
    int entries() {
        return map.size();
    }

    /** How many filters this node's subscribers want. */
    int ownRoutes() {
        return counts.size();
    }
}
