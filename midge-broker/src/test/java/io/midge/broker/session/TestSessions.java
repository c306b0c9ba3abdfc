package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.TopicTree;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions on an embedded event loop, for unit tests without a socket: the test thread is the loop, and the tasks a
 * session schedules (its drains, its record flushes) run when the test calls {@link #run}.
 */
final class TestSessions implements AutoCloseable {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    final BrokerMetrics metrics = new BrokerMetrics();

    EventLoop loop() {
        return channel.eventLoop();
    }

    Session session(BrokerConfig config) {
        return session(config, new InMemoryPersistence());
    }

    Session session(BrokerConfig config, Persistence store) {
        return new Session("client", loop(), new SessionServices(config, metrics, store, new TopicTree()));
    }

    /** Runs the tasks the sessions scheduled on the loop. */
    void run() {
        channel.runPendingTasks();
    }

    static Delivery delivery(String payload, int qos) {
        return delivery("t", payload, qos);
    }

    static Delivery delivery(String topic, String payload, int qos) {
        Message m = new Message(topic, qos, false, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, "publisher");
        return new Delivery(m, qos, false, Delivery.NO_IDS);
    }

    /** Takes everything queued out of the mailbox, oldest first, releasing it: the payloads as text. */
    static List<String> takeQueued(SessionMailbox mailbox) {
        List<String> payloads = new ArrayList<>();
        while (mailbox.peek() != null) {
            Delivery d = mailbox.take();
            payloads.add(d.message().payload().toString(StandardCharsets.UTF_8));
            d.release();
        }
        return payloads;
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
    }
}
