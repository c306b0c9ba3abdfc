package io.midge.broker;

import io.midge.broker.bridge.BridgePlacement;
import io.midge.broker.bridge.BridgeStatus;
import io.midge.broker.bridge.Bridges;
import io.midge.broker.cluster.Cluster;
import io.midge.broker.config.BridgeConfig;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.http.ApiContext;
import io.midge.broker.http.BrokerHealth;
import io.midge.broker.http.BrokerMeters;
import io.midge.broker.http.HttpListener;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.PersistenceOptions;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.RecoveredState;
import io.midge.broker.persistence.RocksDbPersistence;
import io.midge.broker.persistence.StoredWill;
import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.security.BrokerSecurity;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionStore;
import io.midge.broker.sys.SysPublisher;
import io.midge.broker.transport.CertificateWatcher;
import io.midge.broker.transport.MqttListener;
import io.midge.broker.transport.ReloadingSslContext;
import io.midge.broker.transport.Transports;
import io.midge.codec.protocol.ReasonCode;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Midge broker: its store, listener, event loops, sessions and router. Close it to stop. */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final EventLoopGroup group;
    private final BrokerContext context;
    private final List<MqttListener> listeners;
    private final BrokerSecurity security;
    private final SysPublisher sys;
    private final BrokerHealth health;
    private final BrokerMeters meters;
    private final HttpListener http;
    /** The cluster this broker is a node of, and the listener other nodes forward to; null without cluster:. */
    private final Cluster cluster;
    private final MqttListener linkListener;
    private final Bridges bridges;

    private Broker(BrokerConfig config, EventLoopGroup group, BrokerContext context, List<MqttListener> listeners,
                   BrokerSecurity security, SysPublisher sys, BrokerHealth health, BrokerMeters meters,
                   HttpListener http, Cluster cluster, MqttListener linkListener, Bridges bridges) {
        this.config = config;
        this.group = group;
        this.context = context;
        this.listeners = listeners;
        this.security = security;
        this.sys = sys;
        this.health = health;
        this.meters = meters;
        this.http = http;
        this.cluster = cluster;
        this.linkListener = linkListener;
        this.bridges = bridges;
    }

    public static Broker start(BrokerConfig config) throws InterruptedException {
        return start(config, Authenticator.ALLOW_ALL, List.of());
    }

    /**
     * Opens the store, restores what it holds and only then listens, so that no client sees a broker without its
     * state. A store that cannot be opened (damaged, or in use by another broker) stops the start with a
     * {@link io.midge.broker.persistence.PersistenceException} that names the directory; a password or ACL file
     * that cannot be used, with a {@link io.midge.broker.security.SecurityFileException} that names file and line.
     * An {@code authenticator} other than {@link Authenticator#ALLOW_ALL} is used instead of the password file's.
     */
    public static Broker start(BrokerConfig config, Authenticator authenticator,
                               List<EnhancedAuthenticator> enhancedAuthenticators) throws InterruptedException {
        BrokerSecurity security = BrokerSecurity.open(config.security().passwordFile(), config.security().aclFile());
        Authenticator checker = authenticator != Authenticator.ALLOW_ALL ? authenticator : security.authenticator();
        Persistence store;
        try {
            if (config.http().enabled()) {
                HttpListener.checkCanLogIn(config.http(), checker); // before the store: nothing to undo
            }
            store = openStore(config);
        } catch (RuntimeException e) {
            security.close();
            throw e;
        }
        EventLoopGroup group = null;
        List<MqttListener> listeners = new CopyOnWriteArrayList<>(); // the API reads it while it fills
        HttpListener http = null;
        BrokerMeters meters = null;
        Cluster cluster = null;
        AtomicReference<Cluster> joined = new AtomicReference<>(); // the API is up before the cluster is joined
        MqttListener linkListener = null;
        Bridges bridges = null;
        try {
            RecoveredState recovered = store.recover();
            if (store.isDurable()) {
                log.info("Restoring {} sessions and {} retained messages ({} expired sessions and {} expired "
                        + "messages dropped)", recovered.sessions().size(), recovered.retained().size(),
                        recovered.droppedSessions(), recovered.droppedMessages());
            }
            group = Transports.newGroup(ioThreads(config), "midge-loop");
            BrokerMetrics metrics = new BrokerMetrics();
            Router router = new Router(store);
            SessionRegistry sessions = new SessionRegistry(router.topicTree(), config, metrics, router::publish,
                    new SessionStore(store));
            Map<String, EnhancedAuthenticator> methods = new HashMap<>();
            for (EnhancedAuthenticator a : security.enhancedAuthenticators()) {
                methods.put(a.method(), a);
            }
            for (EnhancedAuthenticator a : enhancedAuthenticators) {
                methods.put(a.method(), a);
            }
            BrokerContext context = new BrokerContext(config, sessions, router, metrics, checker,
                    Map.copyOf(methods), store, new ConnectionLimits(config, metrics), security.authorizer());
            BrokerHealth health = new BrokerHealth();
            meters = new BrokerMeters(context, store instanceof RocksDbPersistence rocks ? rocks.stats() : null);
            bridges = new Bridges(sessions, router, security.authorizer(), group, Transports.clientChannel(),
                    config.limits().maxInflight());
            Bridges bridgesForViews = bridges;
            meters.watchBridges(() -> ManagementViews.bridgeViews(bridgesForViews));
            if (config.http().enabled()) {
                // Before the sessions are restored, so that /health answers 503 while they are.
                http = HttpListener.bind(config.http(), group, new ApiContext(context, health, meters,
                        () -> ManagementViews.listenerViews(listeners, context), System.nanoTime(),
                        () -> ManagementViews.nodeViews(joined.get()),
                        () -> ManagementViews.bridgeViews(bridgesForViews)));
            }
            if (config.cluster().enabled()) {
                // Joined before the sessions come back, so that their subscriptions are counted as routes.
                cluster = Cluster.join(config.cluster(), sessions, router, metrics, config.limits().maxInflight(),
                        group, Transports.clientChannel(), context.limits());
                joined.set(cluster);
            }
            restore(recovered, router, sessions, group);
            Set<String> stale = Set.of();
            if (cluster != null) {
                linkListener = bindLinks(config, cluster, context, group);
                stale = cluster.open(linkListener.port());
            }
            // Wills after the sessions (one that is due now may go to them), and after the cluster's registry said
            // which restored sessions are stale copies: their wills are void.
            for (StoredWill will : recovered.wills()) {
                if (!stale.contains(will.clientId())) {
                    sessions.restoreWill(will);
                }
            }
            if (cluster != null) {
                bridges.place(bridgePlacement(cluster));
            }
            // Before the listeners: each bridge's queue keeps what clients publish from their first message.
            bridges.start(config.bridges());
            for (ListenerConfig l : config.listeners().effective()) {
                if (!l.anonymousAllowed() && checker == Authenticator.ALLOW_ALL && methods.isEmpty()) {
                    log.warn("Listener '{}' refuses anonymous clients, and no password-file is configured to check "
                            + "anyone else: it refuses every client", l.name());
                }
                MqttListener listener = MqttListener.bind(l, group, context);
                listeners.add(listener);
                log.info("Midge listening for MQTT over {} on {}:{} (listener '{}', {}; anonymous clients {})",
                        l.transport().configName(), l.host(), listener.port(), l.name(),
                        Transports.nativeAvailable() ? "epoll" : "nio",
                        l.anonymousAllowed() ? "allowed" : "refused");
            }
            if (cluster != null && !listeners.isEmpty()) {
                cluster.mqttAddress(listeners.get(0).config().host() + ":" + listeners.get(0).port());
            }
            SysPublisher sys = new SysPublisher(router, sessions, metrics,
                    cluster == null ? null : cluster.nodeId());
            int sysInterval = config.get(ConfigKeys.SYS_INTERVAL);
            sys.addFigures(() -> ManagementViews.bridgeFigures(bridgesForViews));
            if (sysInterval > 0) {
                sys.start(group.next(), sysInterval);
            }
            // The overload policy watches memory from here on (see Overload, and the README's Overload); last, as
            // nothing after it can fail and leave it sampling.
            context.limits().overload().start();
            health.set(BrokerHealth.State.READY);
            log.info("Midge started{}; {}", cluster == null ? "" : " as node '" + cluster.nodeId() + "'",
                    http == null ? "no HTTP listener (http.port: 0)"
                    : "dashboard, health and metrics on " + http.address(config.http().host()));
            return new Broker(config, group, context, List.copyOf(listeners), security, sys, health, meters, http,
                    cluster, linkListener, bridges);
        } catch (Exception | Error e) {
            security.close();
            if (bridges != null) {
                bridges.close();
            }
            if (cluster != null) {
                cluster.close();
            }
            if (linkListener != null) {
                linkListener.close();
            }
            listeners.forEach(MqttListener::close);
            if (http != null) {
                http.close();
            }
            if (meters != null) {
                meters.close();
            }
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            store.close();
            throw e;
        }
    }

    /**
     * The listener other nodes forward messages to: MQTT 5 on {@code cluster.host}, for node identifiers only,
     * authenticated by the cluster's secret and nothing else (no password, no anonymous client); the ACL is not
     * asked again, the publisher's node asked it. With {@code cluster.tls}, TLS both ways: the listener requires the
     * other node's certificate, and this node's links present its own.
     */
    private static MqttListener bindLinks(BrokerConfig config, Cluster cluster, BrokerContext context,
                                          EventLoopGroup group) throws InterruptedException {
        TlsConfig tls = config.cluster().tls();
        ListenerConfig l = new ListenerConfig("cluster-link", tls == null ? ListenerConfig.Transport.TCP
                : ListenerConfig.Transport.TLS, config.cluster().host(), config.cluster().linkPort(), null, false, 0,
                tls);
        if (tls != null) {
            // The other end of each link: this node's certificate for the others to check, their CA to check theirs.
            ReloadingSslContext client = ReloadingSslContext.loadClient("cluster-link (client end)", tls);
            cluster.linkTls(client::newHandler, new CertificateWatcher("cluster-link-client", client));
        }
        Authenticator noPasswords = (clientId, username, password, remote) ->
                CompletableFuture.completedFuture(ReasonCode.NOT_AUTHORIZED);
        BrokerContext links = new BrokerContext(config, context.sessions(), context.router(), context.metrics(),
                noPasswords, Map.of(cluster.linkAuthenticator().method(), cluster.linkAuthenticator()),
                context.persistence(), context.limits(), Authorizer.ALLOW_ALL, true);
        return MqttListener.bind(l, group, links);
    }

    /** A cluster runs each bridge on one node at a time: the one the cluster chooses (see the README's Cluster). */
    private static BridgePlacement bridgePlacement(Cluster cluster) {
        return new BridgePlacement() {
            @Override
            public void offer(java.util.Collection<String> bridges) {
                cluster.offerBridges(bridges);
            }

            @Override
            public boolean runsHere(String bridge) {
                return cluster.runsBridge(bridge);
            }

            @Override
            public String host(String bridge) {
                return cluster.bridgeHost(bridge);
            }

            @Override
            public void onChange(Runnable changed) {
                cluster.watchBridgeHosts(changed);
            }
        };
    }

    /**
     * Puts back what the store held: retained messages, and the sessions, each created on its loop (in turn, so
     * that session state is touched on its own loop only), before the listener takes clients.
     */
    private static void restore(RecoveredState recovered, Router router, SessionRegistry sessions,
                                EventLoopGroup group) throws InterruptedException {
        recovered.retained().forEach(router::restoreRetained);
        Map<EventLoop, List<RecoveredSession>> byLoop = new IdentityHashMap<>();
        for (RecoveredSession s : recovered.sessions()) {
            byLoop.computeIfAbsent(group.next(), loop -> new ArrayList<>()).add(s);
        }
        List<Future<?>> restoring = new ArrayList<>();
        byLoop.forEach((loop, list) -> restoring.add(loop.submit(() -> list.forEach(s -> sessions.restore(s, loop)))));
        for (Future<?> f : restoring) {
            f.sync();
        }
    }

    private static Persistence openStore(BrokerConfig config) {
        if (config.store().inMemory()) {
            return new InMemoryPersistence();
        }
        PersistenceOptions options = PersistenceOptions.defaults().withSyncPolicy(config.store().sync())
                .withSyncInterval(config.store().syncIntervalMillis());
        return RocksDbPersistence.open(config.store().dataDir(), options);
    }

    /**
     * The event loops to run: as configured, else one per two cores. A message whose publisher and subscriber sit
     * on different loops costs a cross-thread wake-up; measured on 2 cores (with the load generator beside the
     * broker), one loop delivered up to 1.6x more QoS 1 fan-in and had half the p50 latency of two.
     */
    static int ioThreads(BrokerConfig config) {
        return config.listeners().ioThreads() > 0 ? config.listeners().ioThreads()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The port the first listener is bound to (useful when the configuration said 0). */
    public int port() {
        return listeners.get(0).port();
    }

    /** The port of the listener with this name. */
    public int port(String listenerName) {
        return listeners.stream().filter(l -> l.config().name().equals(listenerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no listener named " + listenerName)).port();
    }

    /** The port the HTTP listener is bound to (useful when the configuration said -1); 0 when it is off. */
    public int httpPort() {
        return http == null ? 0 : http.port();
    }

    /** The broker's meters, as {@code /metrics} shows them. */
    public BrokerMeters meters() {
        return meters;
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerMetrics metrics() {
        return context.metrics();
    }

    public SessionRegistry sessions() {
        return context.sessions();
    }

    public Router router() {
        return context.router();
    }

    /** Connections open now and the connection limits. */
    public ConnectionLimits limits() {
        return context.limits();
    }

    /** What publishes the {@code $SYS} figures (idle when sys-interval is 0). */
    public SysPublisher sys() {
        return sys;
    }

    /** The password and ACL files in use. */
    public BrokerSecurity security() {
        return security;
    }

    /**
     * Rereads the password and ACL files (SIGHUP); connected clients stay, and the new rules apply to what they do
     * next. A file that cannot be used keeps the previous users or rules (logged with file and line).
     *
     * @return whether every file was read and is now in use
     */
    public boolean reloadSecurity() {
        return security.reload();
    }

    /**
     * Makes the running bridges those of {@code configs} (SIGHUP): new ones start, removed ones stop (their queues
     * go), changed ones reconnect keeping their queues, the others are not touched.
     *
     * @return what changed ("added 'x'", ...)
     */
    public List<String> reloadBridges(List<BridgeConfig> configs) {
        return bridges.apply(configs);
    }

    /** Every bridge's state and figures. */
    public List<BridgeStatus> bridges() {
        return bridges.status();
    }

    /** The port other nodes forward messages to; 0 when this broker is no cluster's node. */
    public int linkPort() {
        return linkListener == null ? 0 : linkListener.port();
    }

    @Override
    public void close() {
        health.set(BrokerHealth.State.CLOSING);
        sys.close();
        context.limits().overload().close();
        if (cluster != null) {
            // First: the other nodes hear that this one stops, and its links end before its sessions do.
            cluster.close();
            linkListener.close();
        }
        bridges.close();
        listeners.forEach(MqttListener::close);
        context.sessions().clear();
        if (http != null) {
            http.close();
        }
        meters.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // After the loops drained: what their last tasks wrote (sessions going offline) is in the store.
        context.persistence().close();
        security.close();
    }
}
