package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.routing.BridgeClientIds;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's bridges, by name: started with the broker (after the store's sessions are restored, before the
 * listeners take clients, so that each queue keeps what is published from the start), changed one by one on a
 * reload, stopped with the broker. Only {@code Broker} knows this package.
 */
public final class Bridges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bridges.class);

    private final BridgeContext context;
    private final Map<String, Bridge> bridges = new ConcurrentHashMap<>();
    /** Counters by bridge name: they outlive a bridge's change by a reload. */
    private final Map<String, BridgeCounters> counters = new ConcurrentHashMap<>();
    private BridgePlacement placement = BridgePlacement.HERE;
    /** The bridges that run here (the others stand by for another node), as last applied. */
    private final java.util.Set<String> hosted = new java.util.HashSet<>();
    private boolean closed;

    public Bridges(SessionRegistry sessions, Router router, Authorizer authorizer, EventLoopGroup group,
                   Class<? extends SocketChannel> channelType, int maxInflight) {
        this.context = new BridgeContext(sessions, router, authorizer, group, channelType, maxInflight);
    }

    /**
     * Where the bridges run, on a cluster (a broker alone runs them itself); set before {@link #start}. From then on,
     * as the placement changes, each bridge starts here or stands by.
     */
    public synchronized void place(BridgePlacement where) {
        this.placement = where;
        where.onChange(() -> CompletableFuture.runAsync(this::placementChanged));
    }

    /** The cluster's choice may have changed: each bridge starts here, or stands by for another node. */
    private synchronized void placementChanged() {
        if (closed) {
            return;
        }
        for (Bridge b : bridges.values()) {
            String name = b.config().name();
            boolean here = placement.runsHere(name);
            if (here == hosted.contains(name)) {
                continue;
            }
            log.info("Bridge '{}' now runs on {}: {}", name, placement.host(name),
                    here ? "starting it here" : "this node stands by");
            try {
                if (here) {
                    hosted.add(name);
                    b.start();
                } else {
                    hosted.remove(name);
                    b.standBy(placement);
                }
            } catch (RuntimeException e) {
                log.warn("Bridge '{}': {} failed: {}", name, here ? "starting" : "standing by", e.toString());
            }
        }
    }

    /**
     * Starts the configured bridges and drops the stored queues of bridges no longer configured (logged, with what
     * they held). On a cluster a bridge that another node runs stands by here (see {@link Bridge#standBy}).
     */
    public synchronized void start(List<BridgeConfig> configs) {
        placement.offer(configs.stream().map(BridgeConfig::name).toList());
        List<String> names = configs.stream().map(BridgeConfig::name).toList();
        for (Session s : List.copyOf(context.sessions().sessions())) {
            String id = s.clientId();
            if (BridgeClientIds.isBridge(id) && !names.contains(id.substring(BridgeClientIds.PREFIX.length()))) {
                String name = id.substring(BridgeClientIds.PREFIX.length());
                new BridgeQueue(name, context.sessions(), null).discard().join();
            }
        }
        for (BridgeConfig c : configs) {
            startOne(c);
        }
    }

    private void startOne(BridgeConfig c) {
        Bridge b = new Bridge(c, context, counters.computeIfAbsent(c.name(), n -> new BridgeCounters()));
        bridges.put(c.name(), b);
        boolean here = placement.runsHere(c.name());
        if (placement != BridgePlacement.HERE) {
            log.info("Bridge '{}' runs on {}: {}", c.name(), placement.host(c.name()),
                    here ? "starting it here" : "this node stands by");
        }
        if (here) {
            hosted.add(c.name());
            b.start();
        } else {
            hosted.remove(c.name());
            b.standBy(placement);
        }
    }

    /**
     * Makes the running bridges the configured ones: new ones start, removed ones stop and their queues go, changed
     * ones reconnect with their new settings (keeping their queues); the others are not touched.
     *
     * @return what changed, for the log
     */
    public synchronized List<String> apply(List<BridgeConfig> configs) {
        List<String> changes = new ArrayList<>();
        Map<String, BridgeConfig> wanted = new LinkedHashMap<>();
        configs.forEach(c -> wanted.put(c.name(), c));
        placement.offer(List.copyOf(wanted.keySet()));
        for (String name : List.copyOf(bridges.keySet())) {
            if (!wanted.containsKey(name)) {
                bridges.remove(name).stop(true).join();
                hosted.remove(name);
                counters.remove(name);
                changes.add("removed '" + name + "'");
            }
        }
        for (BridgeConfig c : wanted.values()) {
            Bridge running = bridges.get(c.name());
            if (running == null) {
                startOne(c);
                changes.add("added '" + c.name() + "'");
            } else if (!running.config().equals(c)) {
                running.stop(false).join();
                startOne(c);
                changes.add("changed '" + c.name() + "'");
            }
        }
        if (!changes.isEmpty()) {
            log.info("Bridges reloaded: {}", String.join(", ", changes));
        }
        return changes;
    }

    /** Every bridge's state and figures, by name. */
    public List<BridgeStatus> status() {
        List<BridgeStatus> all = new ArrayList<>();
        for (Bridge b : bridges.values()) {
            all.add(b.status());
        }
        all.sort((a, b) -> a.name().compareTo(b.name()));
        return all;
    }

    /** Stops every link; the queues stay in the store for the next start. */
    @Override
    public synchronized void close() {
        closed = true;
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        for (Bridge b : bridges.values()) {
            stopping.add(b.stop(false));
        }
        try {
            CompletableFuture.allOf(stopping.toArray(new CompletableFuture[0])).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Stopping the bridges: {}", e.toString());
        }
        bridges.clear();
    }
}
