package io.midge.broker.sys;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the broker's status ({@link BrokerStatus}) to {@code $SYS/broker/...} every interval, as the broker
 * itself: through the router, as wills are, since clients may not publish to {@code $} topics (MQTT-4.7.2). Each
 * message is retained at QoS 0, so that a subscriber arriving between two intervals gets the latest figures at
 * once; only figures that changed since the last interval are published again, since the retained ones stand.
 * Runs on one event loop, where each round is a few dozen small messages: nothing waits.
 */
public final class SysPublisher implements AutoCloseable {
    /** Who publishes, as No Local sees it: the broker, no client (a will is published as its client). */
    static final String PUBLISHER_ID = "$SYS";

    private static final Logger log = LoggerFactory.getLogger(SysPublisher.class);

    private final Router router;
    private final BrokerStatus status;
    private final Map<String, String> published = new HashMap<>();
    private volatile ScheduledFuture<?> schedule;
    /** Figures of parts the sys package does not know (the bridges): topic (after the prefix) to payload. */
    private volatile Supplier<Map<String, String>> more = Map::of;

    public SysPublisher(Router router, SessionRegistry sessions, BrokerMetrics metrics) {
        this(router, sessions, metrics, null);
    }

    /** {@code node} is this node's identifier in a cluster ({@code $SYS/broker/node}), null for a lone broker. */
    public SysPublisher(Router router, SessionRegistry sessions, BrokerMetrics metrics, String node) {
        this.router = router;
        this.status = new BrokerStatus(sessions, router, metrics, System.nanoTime(), node);
    }

    /** Publishes now and then every {@code intervalSeconds} on {@code loop}, until {@link #close}. */
    public void start(EventExecutor loop, int intervalSeconds) {
        schedule = loop.scheduleAtFixedRate(this::publishChanges, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    /** Adds figures read every interval along with the broker's own: topic (after {@code $SYS/broker/}) to payload. */
    public void addFigures(Supplier<Map<String, String>> figures) {
        Supplier<Map<String, String>> before = more;
        more = () -> {
            Map<String, String> all = new java.util.LinkedHashMap<>(before.get());
            all.putAll(figures.get());
            return all;
        };
    }

    private void publishChanges() {
        try {
            Map<String, String> figures = new java.util.LinkedHashMap<>(status.read(System.nanoTime()));
            figures.putAll(more.get());
            figures.forEach((topic, payload) -> {
                if (!payload.equals(published.put(topic, payload))) {
                    publish(BrokerStatus.PREFIX + topic, payload);
                }
            });
        } catch (RuntimeException e) {
            // A failure must not cancel the schedule (a periodic task that throws never runs again).
            log.warn("Publishing $SYS figures failed: {}", e.toString());
        }
    }

    private void publish(String topic, String payload) {
        router.publish(new Message(topic, 0, true, Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)),
                MqttProperties.EMPTY, Message.NEVER, PUBLISHER_ID));
    }

    /** Whether rounds are still scheduled. */
    public boolean isRunning() {
        ScheduledFuture<?> s = schedule;
        return s != null && !s.isDone();
    }

    /** Stops publishing; the retained figures stay until the broker stops. */
    @Override
    public void close() {
        ScheduledFuture<?> s = schedule;
        if (s != null) {
            s.cancel(false);
        }
    }
}
