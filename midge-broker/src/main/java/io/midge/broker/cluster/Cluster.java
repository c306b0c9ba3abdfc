package io.midge.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryEventType;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.config.ClusterConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Router;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.session.SessionRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker as a node of a cluster. Hazelcast gives membership, failure detection and the route table
 * ({@link RouteTable}); messages never travel through it: each node forwards a message once per interested node over
 * its own links ({@link NodeLink}), from a durable queue per node ({@link NodeQueues}), and the receiving node hands
 * it to its local subscribers only.
 *
 * <p>Started in two steps: {@link #join} before the store's sessions are restored (so that their subscriptions are
 * counted as routes), {@link #open} once they are and the link listener is bound; only then do other nodes learn
 * where to connect, so nothing reaches a node before its sessions are back.
 *
 * <p>Threads: one thread of its own ({@code midge-cluster}) follows Hazelcast's events and manages links and queues,
 * so that the event loops never wait on the network; another ({@code midge-cluster-writes}) writes this node's
 * entries of the replicated maps, in order, so that a write that waits seconds for a slow partition owner holds up
 * no route, link or queue of the others.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    private static final long RELINK_MILLIS = 1_000;
    /**
     * How often {@link #sync} runs: a timer that stays, as the safety net behind the events (the route table, the
     * queues and the links put right whatever an event missed or a failed dial left); every 2 s costs a node one
     * wake-up, where Hazelcast's own heartbeats and housekeeping cost hundreds a second.
     */
    private static final long SYNC_SECONDS = 2;
    /** How long after joining a node trusts its copy of the route table enough to drop routes it does not show. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ClusterConfig config;
    private final LinkSecret secret;
    private final ScheduledExecutorService thread;
    /** The writes to the replicated maps, one at a time in order (see the class notes). */
    private final ExecutorService writes;
    private final RouteTable routes;
    private final NodeQueues queues;
    private final RetainedCatchUp catchUp;
    private final NodeDirectory directory;
    private final BrokerMetrics metrics;
    private final int maxInflight;
    private final Bootstrap bootstrap;
    private final ConnectionLimits limits;
    private final SessionRegistry sessions;
    private final Router router;
    private final EventLoopGroup group;
    /** Which node owns each client's session, and its moves between nodes; made once joined. */
    private SessionHandover handover;
    /** Nodes that make a majority of the configured cluster (this one counted, listed or not). */
    private final int majority;
    private final int clusterSize;
    /** The current link to each node (connecting, up, or about to report closed); the cluster's thread's. */
    private final Map<String, NodeLink> links = new ConcurrentHashMap<>();
    private HazelcastInstance hazelcast;
    /** TLS for each link this node opens (its handler first in the pipeline), and what reloads its files; or null. */
    private Function<ByteBufAllocator, ? extends ChannelHandler> linkTls;
    private AutoCloseable linkTlsWatcher;
    private long joinedNanos;
    private volatile boolean closing;
    /** Which node runs each bridge; made once joined. */
    private BridgeHost bridgeHost;

    private Cluster(ClusterConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                    int maxInflight, EventLoopGroup group, Class<? extends Channel> channelType,
                    ConnectionLimits limits) {
        this.config = config;
        this.limits = limits;
        this.sessions = sessions;
        this.router = router;
        this.group = group;
        Set<String> all = new HashSet<>(config.members());
        all.add(config.host() + ":" + config.port());
        this.clusterSize = all.size();
        this.majority = clusterSize / 2 + 1;
        this.secret = new LinkSecret(config.name(), config.secret());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "midge-cluster");
            t.setDaemon(true);
            return t;
        });
        this.writes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "midge-cluster-writes");
            t.setDaemon(true);
            return t;
        });
        this.routes = new RouteTable(config.nodeId(), this::onWriter, router.topicTree());
        this.queues = new NodeQueues(sessions, router, group, config.maxQueuedMessages(), config.maxQueuedBytes());
        this.catchUp = new RetainedCatchUp(config.nodeId(), router, sessions, queues, this::onWriter);
        this.directory = new NodeDirectory(config.nodeId(), sessions, queues, this::onWriter);
        this.metrics = metrics;
        this.maxInflight = maxInflight;
        this.bootstrap = new Bootstrap().group(group).channel(channelType);
        router.topicTree().watch(routes);
    }

    /**
     * Joins the cluster (or forms it, when no other member answers): blocks until Hazelcast has decided. Call
     * before the sessions are restored.
     */
    public static Cluster join(ClusterConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                               int maxInflight, EventLoopGroup group, Class<? extends Channel> channelType,
                               ConnectionLimits limits) {
        Cluster cluster = new Cluster(config, sessions, router, metrics, maxInflight, group, channelType, limits);
        try {
            cluster.hazelcast = Hazelcast.newHazelcastInstance(HazelcastSetup.config(config, cluster.secret));
        } catch (RuntimeException e) {
            cluster.thread.shutdownNow();
            cluster.writes.shutdownNow();
            throw new IllegalArgumentException("cannot join the cluster on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        cluster.joinedNanos = System.nanoTime();
        cluster.routes.connect(cluster.hazelcast.getReplicatedMap("midge.routes"));
        cluster.catchUp.connect(cluster.hazelcast.getReplicatedMap(RetainedCatchUp.MAP));
        cluster.catchUp.begin();
        cluster.directory.connect(cluster.hazelcast.getReplicatedMap(NodeDirectory.MAP));
        ReplicatedMap<String, String> bridgeOffers = cluster.hazelcast.getReplicatedMap(BridgeHost.MAP);
        cluster.bridgeHost = new BridgeHost(config.nodeId(), cluster.majority, bridgeOffers,
                cluster::membersOldestFirst);
        bridgeOffers.addEntryListener(new EntryAdapter<String, String>() {
            @Override
            public void onEntryEvent(EntryEvent<String, String> event) {
                cluster.onThread(cluster.bridgeHost::elect);
            }
        });
        cluster.startSessionRegistry();
        log.info("Node '{}' joined cluster '{}' on {}:{}: {} of {} nodes up", config.nodeId(),
                config.name(), config.host(), config.port(), cluster.hazelcast.getCluster().getMembers().size(),
                cluster.clusterSize);
        cluster.checkMajority();
        return cluster;
    }

    /**
     * The session registry: an IMap with a synchronous backup on every other node (up to 6), so that it survives
     * any minority of the nodes dying at once; the gate every client's session opens through from now on.
     */
    private void startSessionRegistry() {
        String name = "midge.sessions";
        try {
            hazelcast.getConfig().addMapConfig(new com.hazelcast.config.MapConfig(name)
                    .setBackupCount(Math.min(6, Math.max(0, clusterSize - 1))));
        } catch (RuntimeException e) {
            log.debug("Session registry configured already: {}", e.toString());
        }
        com.hazelcast.map.IMap<String, String> map = hazelcast.getMap(name);
        handover = new SessionHandover(config.nodeId(), new SessionOwners(map, config.nodeId()), sessions, queues,
                router::lastForwardId, group, this::isMember);
        handover.listen(router.topicTree());
        sessions.setGate(handover);
        map.addEntryListener((com.hazelcast.map.listener.EntryUpdatedListener<String, String>) event ->
                handover.ownerChanged(event.getKey()), false);
        map.addEntryListener((com.hazelcast.map.listener.EntryAddedListener<String, String>) event ->
                handover.ownerChanged(event.getKey()), false);
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
                handover.merged();
            }
        });
    }

    /**
     * TLS on the links this node opens ({@code cluster.tls}): {@code handlers} makes each link's TLS handler, and
     * {@code watcher} (closed with the cluster) keeps its certificate current. Set before {@link #open}.
     */
    public void linkTls(Function<ByteBufAllocator, ? extends ChannelHandler> handlers, AutoCloseable watcher) {
        this.linkTls = handlers;
        this.linkTlsWatcher = watcher;
    }

    /** What the link listener authenticates other nodes with. */
    public EnhancedAuthenticator linkAuthenticator() {
        return new LinkAuthenticator(secret);
    }

    public String nodeId() {
        return config.nodeId();
    }

    /**
     * The sessions are restored and the link listener listens on {@code linkPort}: reclaims the restored sessions in
     * the session registry, announces this node's routes and where to reach it, and starts following the others.
     * Returns the client identifiers of the restored sessions that were stale copies and were dropped: their stored
     * wills are void.
     */
    public Set<String> open(int linkPort) {
        queues.adoptRestored();
        Set<String> stale = handover.fenceRestored();
        String address = config.host() + ":" + linkPort;
        routes.syncOwn();
        routes.announce(RouteTable.UP + address).thenRun(() -> log.info("Node '{}' takes links on {}; {} routes "
                + "announced", config.nodeId(), address, routes.ownRoutes()));
        hazelcast.getReplicatedMap("midge.routes").addEntryListener(new EntryAdapter<Object, Object>() {
            @Override
            public void onEntryEvent(EntryEvent<Object, Object> event) {
                String key = (String) event.getKey();
                String value = (String) event.getValue();
                EntryEventType type = event.getEventType();
                onThread(() -> routeChanged(type, key, value));
            }
        });
        hazelcast.<String, String>getReplicatedMap(RetainedCatchUp.MAP).addEntryListener(
                new EntryAdapter<String, String>() {
                    @Override
                    public void onEntryEvent(EntryEvent<String, String> event) {
                        if (event.getEventType() == EntryEventType.ADDED
                                || event.getEventType() == EntryEventType.UPDATED) {
                            onThread(() -> catchUp.requested(event.getKey(), event.getValue()));
                        }
                    }
                });
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                String node = nodeOf(event.getMember());
                onThread(() -> {
                    // What the route table still says of it tells a new node from one that comes back, and how.
                    String state = routes.state(node);
                    log.info("Node '{}' joined the cluster ({}): {}", node, event.getMember().getAddress(),
                            state == null ? "a node not seen before"
                            : RouteTable.STOPPED.equals(state) ? "back after it shut down"
                            : "back after it stopped answering (crashed, or cut off)");
                    checkMajority();
                });
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                String node = nodeOf(event.getMember());
                onThread(() -> {
                    if (RouteTable.STOPPED.equals(routes.state(node))) {
                        log.info("Node '{}' left the cluster: it shut down; its routes stay and its queue keeps "
                                + "its messages", node);
                    } else {
                        log.warn("Node '{}' left the cluster: it stopped answering (crashed, or the network between "
                                + "us failed); its routes stay and its queue keeps its messages", node);
                    }
                    checkMajority();
                });
            }
        });
        thread.scheduleWithFixedDelay(() -> run(this::sync), 0, SYNC_SECONDS, TimeUnit.SECONDS);
        return stale;
    }

    /**
     * The majority rule: a node that sees fewer than a majority of the cluster's nodes (itself included) takes no
     * client and no publish until it does again, so that two sides of a network split never both accept messages
     * the other cannot see. Hazelcast's member list is what the node sees.
     */
    private void checkMajority() {
        int seen = hazelcast.getCluster().getMembers().size();
        String was = limits.unavailable();
        if (seen < majority) {
            String reason = "node '" + config.nodeId() + "' sees " + seen + " of the cluster's " + clusterSize
                    + " nodes, fewer than a majority (" + majority + ")";
            limits.setUnavailable(reason);
            if (was == null) {
                log.warn("{}: refusing clients and publishes until it sees a majority again", reason);
            }
        } else if (was != null) {
            limits.setUnavailable(null);
            log.info("Node '{}' sees {} of the cluster's {} nodes, a majority: taking clients and publishes again",
                    config.nodeId(), seen, clusterSize);
        }
        if (bridgeHost != null) {
            bridgeHost.elect();
        }
    }

    /**
     * This node has these bridges configured (at start, and after each reload): it may run them, and where each runs
     * is decided again ({@link BridgeHost}) before this returns.
     */
    public void offerBridges(java.util.Collection<String> names) {
        bridgeHost.offer(names);
    }

    /** Whether this node runs that bridge now; from any thread. */
    public boolean runsBridge(String name) {
        return bridgeHost.runsHere(name);
    }

    /** Where that bridge runs, for the log: "node 'a' (the oldest that has it)", or "no node" and why. */
    public String bridgeHost(String name) {
        return bridgeHost.describe(name);
    }

    /** Calls {@code changed}, on any thread, whenever the node that runs some bridge may have changed. */
    public void watchBridgeHosts(Runnable changed) {
        bridgeHost.watch(changed);
    }

    private List<String> membersOldestFirst() {
        List<String> members = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(nodeOf(m));
        }
        return members;
    }

    private static String nodeOf(Member member) {
        String node = member.getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
        return node != null ? node : String.valueOf(member.getAddress());
    }

    private boolean isMember(String node) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (node.equals(m.getAttribute(HazelcastSetup.NODE_ATTRIBUTE))) {
                return true;
            }
        }
        return false;
    }

    private void onThread(Runnable task) {
        if (!thread.isShutdown()) {
            thread.execute(() -> run(task));
        }
    }

    private void onWriter(Runnable task) {
        if (!writes.isShutdown()) {
            writes.execute(() -> run(task));
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // A failure must not stop the thread (nor a periodic sync): the next sync repairs what it missed.
            log.warn("Cluster task failed: {}", e.toString(), e);
        }
    }

    /** An entry of the route table changed (on the cluster's thread). */
    private void routeChanged(EntryEventType type, String key, String value) {
        int sep = key.indexOf(RouteTable.SEPARATOR);
        String node = key.substring(0, sep);
        if (node.equals(config.nodeId()) || closing) {
            return;
        }
        String filter = key.substring(sep + 1);
        boolean gone = type == EntryEventType.REMOVED || type == EntryEventType.EVICTED;
        if (filter.isEmpty()) {
            if (!gone && value != null && value.startsWith(RouteTable.UP)) {
                link(node, value.substring(RouteTable.UP.length()));
            }
        } else if (gone) {
            queues.unsubscribe(node, filter);
        } else {
            queues.subscribe(node, filter, RouteTable.isDurable(value));
        }
    }

    /** Every few seconds: own routes as the subscriptions say, queues as the others' routes say, links up. */
    private void sync() {
        if (closing) {
            return;
        }
        checkMajority();
        routes.syncOwn();
        boolean settled = System.nanoTime() - joinedNanos > SETTLE_NANOS;
        List<String> up = new ArrayList<>();
        for (Map.Entry<String, Map<String, Boolean>> e : new TreeMap<>(routes.othersRoutes()).entrySet()) {
            String node = e.getKey();
            String state = routes.state(node);
            queues.reconcile(node, e.getValue(), settled && state != null);
            if (state != null && state.startsWith(RouteTable.UP) && !links.containsKey(node) && isMember(node)) {
                link(node, state.substring(RouteTable.UP.length()));
            }
            if (state != null && state.startsWith(RouteTable.UP) && isMember(node)) {
                up.add(node);
            }
        }
        catchUp.step(up, hazelcast.getCluster().getMembers().size() == 1);
        directory.publish();
    }

    /** Where this node's MQTT clients connect, for the other nodes' management API (see {@link NodeDirectory}). */
    public void mqttAddress(String hostAndPort) {
        directory.mqttAddress(hostAndPort);
    }

    /** The cluster's nodes as this one sees them, for the management API; from any thread. */
    public List<NodeInfo> nodes() {
        Set<String> known = new HashSet<>(routes.othersRoutes().keySet());
        return directory.nodes(known, node -> {
            NodeLink link = links.get(node);
            return link != null && link.isOpen() && link.session() != null;
        });
    }

    /** Opens a link to the node at this address, unless the current one goes there already. */
    private void link(String node, String address) {
        NodeLink current = links.get(node);
        if (current != null) {
            if (current.address.equals(address)) {
                return;
            }
            current.close(); // the node restarted elsewhere; the old link's end is not retried
        }
        queues.queue(node);
        NodeLink link = new NodeLink(node, address, config.nodeId(), secret, new NodeLink.Events() {
            @Override
            public void connected(NodeLink l, EventLoop loop) {
                handover.linkUp(l);
                queues.attach(l, loop);
            }

            @Override
            public void closed(NodeLink l) {
                handover.linkDown(l);
                queues.detach(l);
                onThread(() -> linkClosed(l));
            }
        }, metrics, maxInflight);
        link.sharedFilters(queues::sharedFilter);
        link.tls(linkTls);
        links.put(node, link);
        link.connect(bootstrap);
    }

    private void linkClosed(NodeLink link) {
        if (links.get(link.node) != link) {
            return;
        }
        links.remove(link.node);
        if (closing) {
            return;
        }
        thread.schedule(() -> run(() -> {
            String state = routes.state(link.node);
            if (!closing && !links.containsKey(link.node) && state != null && state.startsWith(RouteTable.UP)
                    && isMember(link.node)) {
                link(link.node, state.substring(RouteTable.UP.length()));
            }
        }), RELINK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Says this node is stopping (so the others log why it left), closes the links and leaves the cluster. */
    @Override
    public void close() {
        closing = true;
        try {
            routes.announce(RouteTable.STOPPED).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Saying this node stops: {}", e.toString());
        }
        writes.shutdownNow();
        try {
            thread.submit(() -> {
                links.values().forEach(NodeLink::close);
                links.clear();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Leaving the cluster: {}", e.toString());
        }
        thread.shutdownNow();
        handover.close();
        if (linkTlsWatcher != null) {
            try {
                linkTlsWatcher.close();
            } catch (Exception e) {
                log.debug("Stopping the link certificate's watcher: {}", e.toString());
            }
        }
        hazelcast.shutdown();
    }
}
