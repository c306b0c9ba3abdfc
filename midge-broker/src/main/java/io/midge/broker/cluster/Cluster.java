package io.midge.broker.cluster;

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
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
    private final SessionRegistry sessions;
    private final Router router;
    private final EventLoopGroup group;
    /** Which node owns each client's session, and its moves between nodes; made once joined. */
    private SessionHandover handover;
    /** Who is there, as Hazelcast sees it, and the majority rule on it. */
    private final Membership members;
    /** The link to each other node. */
    private final NodeLinks links;
    private HazelcastInstance hazelcast;
    /** What reloads the files of the links' TLS ({@link #linkTls}); or null. */
    private AutoCloseable linkTlsWatcher;
    private long joinedNanos;
    private volatile boolean closing;
    /** Which node runs each bridge; made once joined. */
    private BridgeHost bridgeHost;

    private Cluster(ClusterConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                    int maxInflight, EventLoopGroup group, Class<? extends Channel> channelType,
                    ConnectionLimits limits) {
        this.config = config;
        this.sessions = sessions;
        this.router = router;
        this.group = group;
        this.members = new Membership(config, limits);
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
        this.links = new NodeLinks(config.nodeId(), secret, queues, routes, members, metrics, maxInflight,
                new Bootstrap().group(group).channel(channelType), this::onThread, this::onThreadLater,
                () -> closing);
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
        cluster.members.joined(cluster.hazelcast);
        cluster.joinedNanos = System.nanoTime();
        cluster.routes.connect(cluster.hazelcast.getReplicatedMap("midge.routes"));
        cluster.catchUp.connect(cluster.hazelcast.getReplicatedMap(RetainedCatchUp.MAP));
        cluster.catchUp.begin();
        cluster.directory.connect(cluster.hazelcast.getReplicatedMap(NodeDirectory.MAP));
        ReplicatedMap<String, String> bridgeOffers = cluster.hazelcast.getReplicatedMap(BridgeHost.MAP);
        cluster.bridgeHost = new BridgeHost(config.nodeId(), cluster.members.majority(), bridgeOffers,
                cluster.members::oldestFirst);
        bridgeOffers.addEntryListener(new EntryAdapter<String, String>() {
            @Override
            public void onEntryEvent(EntryEvent<String, String> event) {
                cluster.onThread(cluster.bridgeHost::elect);
            }
        });
        cluster.startSessionRegistry();
        log.info("Node '{}' joined cluster '{}' on {}:{}: {} of {} nodes up, {} entries in the route table",
                config.nodeId(), config.name(), config.host(), config.port(), cluster.members.seen(),
                cluster.members.clusterSize(), cluster.routes.entries());
        cluster.checkMajority();
        return cluster;
    }

    /** The session registry ({@link SessionHandover#start}): the gate every client's session opens through from now on. */
    private void startSessionRegistry() {
        handover = SessionHandover.start(hazelcast, members.clusterSize(), config.nodeId(), sessions, queues,
                router::lastForwardId, group, members::isMember);
        handover.listen(router.topicTree());
        routes.announceWith(handover.announcer());
        sessions.setGate(handover);
        links.handover(handover);
    }

    /**
     * TLS on the links this node opens ({@code cluster.tls}): {@code handlers} makes each link's TLS handler, and
     * {@code watcher} (closed with the cluster) keeps its certificate current. Set before {@link #open}.
     */
    public void linkTls(Function<ByteBufAllocator, ? extends ChannelHandler> handlers, AutoCloseable watcher) {
        links.tls(handlers);
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
        members.follow(routes::state, this::onThread, this::checkMajority);
        thread.scheduleWithFixedDelay(() -> run(this::sync), 0, SYNC_SECONDS, TimeUnit.SECONDS);
        return stale;
    }

    /** The majority rule ({@link Membership#checkMajority}), and where each bridge runs after it. */
    private void checkMajority() {
        members.checkMajority();
        if (bridgeHost != null) {
            bridgeHost.elect();
        }
    }

    /**
     * This node has these bridges configured (at start, and after each reload): it may run them, and where each runs
     * is decided again ({@link BridgeHost}) before this returns.
     */
    public void offerBridges(Collection<String> names) {
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

    /**
     * Completes once what the other nodes (the members now) had queued for this node arrived here and sits in the
     * sessions it matched, or they were given up on (bounded, logged; see {@link ForwardedBacklog}); never fails.
     * Each node routes the bridge's queue {@code filters} to the node that runs it first (when another does).
     */
    public CompletableFuture<Void> bridgeBacklogArrived(String bridge, Collection<String> filters) {
        String host = bridgeHost.hostOf(bridge);
        List<String> routed = new ArrayList<>();
        for (String filter : filters) {
            if (RouteTable.routed(filter) != null) {
                routed.add(filter);
            }
        }
        return handover.backlogArrived(members.oldestFirst(), host == null ? config.nodeId() : host, routed,
                "Bridge '" + bridge + "'");
    }

    /** Calls {@code changed}, on any thread, whenever the node that runs some bridge may have changed. */
    public void watchBridgeHosts(Runnable changed) {
        bridgeHost.watch(changed);
    }

    private void onThread(Runnable task) {
        if (!thread.isShutdown()) {
            thread.execute(() -> run(task));
        }
    }

    private void onThreadLater(Runnable task, long millis) {
        thread.schedule(() -> run(task), millis, TimeUnit.MILLISECONDS);
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
                links.link(node, value.substring(RouteTable.UP.length()));
            }
        } else if (gone) {
            queues.unsubscribe(node, filter);
        } else {
            queues.subscribe(node, filter, RouteTable.isDurable(value), type == EntryEventType.ADDED);
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
        Set<String> announced = new HashSet<>();
        for (Map.Entry<String, Map<String, Boolean>> e : new TreeMap<>(routes.othersRoutes()).entrySet()) {
            String node = e.getKey();
            String state = routes.state(node);
            queues.reconcile(node, e.getValue(), settled && state != null);
            if (state == null || !state.startsWith(RouteTable.UP)) {
                continue;
            }
            announced.add(node);
            if (members.isMember(node)) {
                if (!links.has(node)) {
                    links.link(node, state.substring(RouteTable.UP.length()));
                }
                up.add(node);
            }
        }
        handover.announced(announced);
        catchUp.step(up, members.seen() == 1);
        directory.publish();
    }

    /** Where this node's MQTT clients connect, for the other nodes' management API (see {@link NodeDirectory}). */
    public void mqttAddress(String hostAndPort) {
        directory.mqttAddress(hostAndPort);
    }

    /** The cluster's nodes as this one sees them, for the management API; from any thread. */
    public List<NodeInfo> nodes() {
        Set<String> known = new HashSet<>(routes.othersRoutes().keySet());
        return directory.nodes(known, links::isUp);
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
            thread.submit(links::closeAll).get(5, TimeUnit.SECONDS);
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
