package io.midge.broker.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.limits.Overload;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.StoreStats;
import io.midge.broker.protocol.BrokerContext;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The broker's counters and state as Micrometer meters, for {@code /metrics}. Nothing here runs per message: the
 * registry reads {@link BrokerMetrics}' adders and the sessions, topic tree and retained messages when scraped.
 * Each adder backs exactly one meter, so nothing is counted twice. Micrometer's names ({@code midge.messages.sent})
 * become Prometheus' ({@code midge_messages_sent_total}).
 */
public final class BrokerMeters {
    private static final String[] QOS = {"0", "1", "2"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** Binds the meters; {@code store} is null for a store that keeps no figures (in memory). */
    public BrokerMeters(BrokerContext broker, StoreStats store) {
        BrokerMetrics m = broker.metrics();
        if (broker.config().cluster().enabled()) {
            // Every series of a node says which node: the nodes of a cluster are scraped side by side.
            registry.config().commonTags("node", broker.config().cluster().nodeId());
            counter("midge.cluster.forwarded", m.forwardedToNodes, "messages sent to other nodes of the cluster");
        }
        for (ListenerConfig l : broker.config().listeners().effective()) {
            Gauge.builder("midge.connections", broker.limits(), limits -> limits.openConnections(l.name()))
                    .description("MQTT connections open now").tag("listener", l.name()).register(registry);
        }
        sessions(broker, "connected", b -> b.sessions().connectedCount());
        sessions(broker, "offline", b -> Math.max(0, b.sessions().size() - b.sessions().connectedCount()));
        Gauge.builder("midge.subscriptions", broker.router().topicTree(), t -> t.subscriptionCount())
                .description("topic filters subscribed to, all sessions").register(registry);
        Gauge.builder("midge.retained.messages", broker.router().retained(), r -> r.size())
                .description("retained messages held").register(registry);
        Gauge.builder("midge.queued.messages", broker, BrokerMeters::queued)
                .description("messages waiting for their client (mailboxes and queues)").register(registry);
        for (int qos = 0; qos < 3; qos++) {
            counter("midge.messages.received", m.receivedByQos[qos], "PUBLISH packets from clients", "qos", QOS[qos]);
            counter("midge.messages.sent", m.sentByQos[qos], "PUBLISH packets to clients, re-sends included",
                    "qos", QOS[qos]);
        }
        counter("midge.bytes.received", m.bytesReceived, "bytes read from MQTT connections");
        counter("midge.bytes.sent", m.bytesSent, "bytes written to MQTT connections");
        dropped(m.droppedQueueFull, "queue_full");
        dropped(m.droppedNodeQueueFull, "node_queue_full");
        dropped(m.droppedExpired, "expired");
        dropped(m.droppedTooLarge, "too_large");
        dropped(m.droppedOffline, "offline_qos0");
        dropped(m.droppedNoSubscribers, "no_subscribers");
        dropped(m.deliveriesWithheld, "not_authorized");
        dropped(m.publishesDenied, "publish_denied");
        dropped(m.publishesToReservedTopics, "reserved_topic");
        dropped(m.droppedOverload, "overload");
        overload(broker.limits().overload(), m);
        refusals(m);
        counter("midge.connections.accepted", m.connectionsAccepted, "TCP connections accepted");
        counter("midge.protocol.violations", m.protocolViolations, "connections closed for breaking the protocol");
        counter("midge.packets.too.large", m.refusedPacketTooLarge, "connections closed for a packet over "
                + "max-packet-size");
        counter("midge.receive.maximum.exceeded", m.refusedReceiveMaximum, "connections closed for more "
                + "unacknowledged publishes than receive-maximum");
        counter("midge.subscriptions.refused", m.refusedSubscriptionLimit, "filters refused for max-subscriptions",
                "reason", "limit");
        counter("midge.subscriptions.refused", m.subscriptionsDenied, "filters refused by the ACL",
                "reason", "not_authorized");
        counter("midge.publish.throttled", m.publishThrottled, "times a client's reading was paused for its "
                + "publish rate or bandwidth");
        counter("midge.shared.handed.on", m.sharedHandedOn, "shared-subscription messages given to another member");
        counter("midge.sessions.expired", m.sessionsExpired, "sessions ended by their expiry interval");
        counter("midge.wills.published", m.willsPublished, "wills published");
        counter("midge.payloads.copied", m.payloadsCopied, "payloads of messages that wait (queued, or unacknowledged "
                + "while the client is behind) copied out of their read buffer");
        counter("midge.http.refused", m.httpRefused, "HTTP requests refused for credentials (401) or rights (403)");
        if (store != null) {
            Timer commits = Timer.builder("midge.store.commit").description("one group commit to the store")
                    .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
            store.onCommit(nanos -> commits.record(Duration.ofNanos(nanos)));
            FunctionCounter.builder("midge.store.batches", store, StoreStats::batches)
                    .description("store writes made (each a batch of changes some step waited for)").register(registry);
            FunctionCounter.builder("midge.store.syncs", store, StoreStats::syncs)
                    .description("group commits that synced the write-ahead log (sync: always)").register(registry);
            FunctionCounter.builder("midge.store.cancelled.queued", store, StoreStats::cancelledQueued)
                    .description("queued deliveries acknowledged before their write: neither written nor deleted")
                    .register(registry);
            FunctionCounter.builder("midge.store.failed.batches", store, StoreStats::failed)
                    .description("store writes not made because the disk was full or failing").register(registry);
            FunctionCounter.builder("midge.store.recoveries", store, StoreStats::recoveries)
                    .description("times the store took writes again after a failed one, without a restart")
                    .register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // The allocator the broker's channels use: Netty 4.2's default is the adaptive one, not the pooled one, whose
        // figures stayed at zero here.
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            new NettyAllocatorMetrics(allocator).bindTo(registry);
        }
    }

    /** The overload policy: memory as it judges it, the measures in force, and what they did. */
    private void overload(Overload overload, BrokerMetrics m) {
        Gauge.builder("midge.overload.memory", overload, Overload::percent).description("memory in use as the "
                + "overload policy judges it, in % of its maximum (heap after GC, or direct memory)")
                .register(registry);
        Gauge.builder("midge.overload.heap.after.gc", overload, Overload::heapAfterGc).baseUnit("bytes")
                .description("heap in use after the last garbage collection").register(registry);
        String[] names = {"drop_qos0", "pause_publishers", "refuse_publishes"};
        int[] measures = {Overload.DROP_QOS0, Overload.PAUSE_PUBLISHERS, Overload.REFUSE_PUBLISHES};
        for (int i = 0; i < names.length; i++) {
            int measure = measures[i];
            Gauge.builder("midge.overload.active", overload, o -> (o.check() & measure) != 0 ? 1 : 0)
                    .description("whether an overload measure is in force (1) or not (0)").tag("measure", names[i])
                    .register(registry);
        }
        Gauge.builder("midge.overload.paused.publishers", overload, Overload::pausedPublishers)
                .description("publishing clients not read now for the overload policy").register(registry);
        counter("midge.overload.pauses", m.overloadPauses, "times a publishing client's reading was paused for "
                + "memory past overload-pause-publishers");
        counter("midge.publishes.refused", m.refusedOverload, "QoS 1/2 publishes refused with 0x97 for memory past "
                + "overload-refuse-publishes", "reason", "overload");
    }

    private void sessions(BrokerContext broker, String state, ToDoubleFunction<BrokerContext> count) {
        Gauge.builder("midge.sessions", broker, count)
                .description("sessions, by whether their client is connected").tag("state", state)
                .register(registry);
    }

    /** A counter kept as messages are queued and leave (see {@link BrokerMetrics#queuedMessages}), not a walk. */
    private static double queued(BrokerContext broker) {
        return Math.max(0, broker.metrics().queuedMessages.sum());
    }

    /**
     * Refused connections by reason. The CONNACK refusals' adder counts those for credentials and for the
     * connection limit too, which have their own; "other" is what is left, so each refusal is in one series.
     */
    private void refusals(BrokerMetrics m) {
        String name = "midge.connections.refused";
        String help = "connections refused, by reason";
        counter(name, m.authenticationsRefused, help, "reason", "bad_credentials");
        counter(name, m.refusedConnectionLimit, help, "reason", "connection_limit");
        counter(name, m.refusedConnectionRate, help, "reason", "connection_rate");
        FunctionCounter.builder(name, m, x -> Math.max(0, x.connectionsRefused.sum()
                        - x.authenticationsRefused.sum() - x.refusedConnectionLimit.sum()))
                .description(help).tag("reason", "other").register(registry);
    }

    private void dropped(LongAdder adder, String reason) {
        counter("midge.messages.dropped", adder, "messages dropped, by reason", "reason", reason);
    }

    private void counter(String name, LongAdder adder, String help, String... tags) {
        ToDoubleFunction<LongAdder> read = LongAdder::sum;
        FunctionCounter.builder(name, adder, read).description(help).tags(tags).register(registry);
    }

    /** The bridges, read at scrape time: their meters come and go with them (a reload). */
    public void watchBridges(Supplier<List<ApiContext.BridgeView>> bridges) {
        this.bridges = bridges;
    }

    private volatile Supplier<List<ApiContext.BridgeView>> bridges = List::of;
    private final Map<String, List<Meter>> bridgeMeters = new HashMap<>();
    /** What the bridges' meters read: held here, as Micrometer holds a meter's state object only weakly. */
    private final Map<String, Supplier<ApiContext.BridgeView>> bridgeViews = new HashMap<>();

    /** Registers the meters of bridges that appeared and removes those of bridges that went. */
    private synchronized void syncBridges() {
        Map<String, ApiContext.BridgeView> now = new HashMap<>();
        for (ApiContext.BridgeView b : bridges.get()) {
            now.put(b.name(), b);
        }
        for (String gone : List.copyOf(bridgeMeters.keySet())) {
            if (!now.containsKey(gone)) {
                bridgeMeters.remove(gone).forEach(registry::remove);
                bridgeViews.remove(gone);
            }
        }
        for (String name : now.keySet()) {
            if (bridgeMeters.containsKey(name)) {
                continue;
            }
            Supplier<ApiContext.BridgeView> view = () -> bridges.get().stream().filter(b -> b.name().equals(name))
                    .findFirst().orElse(null);
            bridgeViews.put(name, view);
            List<Meter> meters = new ArrayList<>();
            meters.add(Gauge.builder("midge.bridge.connected", view, v -> read(v, b -> b.connected() ? 1 : 0))
                    .description("whether the bridge's link is up").tag("bridge", name).register(registry));
            // One gauge per state, 1 for the bridge's state now (Prometheus' way with an enumeration).
            for (String state : ApiContext.BridgeView.STATES) {
                meters.add(Gauge.builder("midge.bridge.state", view,
                                v -> read(v, b -> state.equals(b.state()) ? 1 : 0))
                        .description("1 for the bridge's state now: what this broker does of it")
                        .tag("bridge", name).tag("state", state).register(registry));
            }
            meters.add(Gauge.builder("midge.bridge.queued", view, v -> read(v, ApiContext.BridgeView::queued))
                    .description("messages held for the remote (queued and in flight)").tag("bridge", name)
                    .register(registry));
            meters.add(FunctionCounter.builder("midge.bridge.sent", view, v -> read(v, ApiContext.BridgeView::sent))
                    .description("messages published to the remote").tag("bridge", name).register(registry));
            meters.add(FunctionCounter.builder("midge.bridge.received", view,
                    v -> read(v, ApiContext.BridgeView::received))
                    .description("messages from the remote published here").tag("bridge", name).register(registry));
            meters.add(FunctionCounter.builder("midge.bridge.dropped", view,
                    v -> read(v, ApiContext.BridgeView::dropped))
                    .description("messages dropped at the queue's bound or too large for the remote")
                    .tag("bridge", name).register(registry));
            bridgeMeters.put(name, meters);
        }
    }

    private static double read(Supplier<ApiContext.BridgeView> view,
                               java.util.function.ToDoubleFunction<ApiContext.BridgeView> figure) {
        ApiContext.BridgeView v = view.get();
        return v == null ? Double.NaN : figure.applyAsDouble(v);
    }

    /** The Prometheus text format (version 0.0.4) of every meter now. */
    public String scrape() {
        syncBridges();
        return registry.scrape();
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void close() {
        gc.close();
        registry.close();
    }
}
