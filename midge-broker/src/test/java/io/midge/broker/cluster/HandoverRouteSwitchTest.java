package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.routing.Router;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionStore;
import io.netty.channel.DefaultEventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A node's switch of a moving session's routes ({@link RouteSwitch#routeTo}): its forwarding queue to the new node
 * subscribes on the queue's own loop, and the passes over every loop that put the node's mark behind everything it
 * matched before must begin only once that subscription is in the topic tree.
 */
class HandoverRouteSwitchTest {
    private static final String FILTER = "move/#";

    private final InMemoryPersistence store = new InMemoryPersistence();
    private final Router router = new Router(store);
    private final SessionRegistry sessions = new SessionRegistry(router.topicTree(), BrokerConfig.defaults(),
            new BrokerMetrics(), router::publish, new SessionStore(store));
    /** The queues' loop, kept apart from the loops the passes go over, so that it can be busy while they are not. */
    private final DefaultEventLoopGroup queueLoop = new DefaultEventLoopGroup(1);
    private final DefaultEventLoopGroup publisherLoops = new DefaultEventLoopGroup(1);
    private final NodeQueues queues = new NodeQueues(sessions, router, queueLoop, 1_000, 1 << 20);
    private final HandoverLinks links = new HandoverLinks(publisherLoops);
    private final RouteSwitch routes = new RouteSwitch("node3", sessions, links, queues, () -> 0L);

    @AfterEach
    void close() throws Exception {
        links.close();
        queueLoop.submit(sessions::clear).get(10, TimeUnit.SECONDS);
        queueLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        publisherLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        store.close();
    }

    @Test
    @DisplayName("The switch is done (and the mark may go) only once the queue to the new node is in the topic tree: "
            + "passes begun before could let a publisher's loop match a QoS 2 message without the new node after its "
            + "pass and store it after the barrier, so that it came behind the mark at the old node and was lost "
            + "(MQTT-4.3.3: a message acknowledged is delivered)")
    void passesBeginOnceTheQueueIsSubscribed() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        queues.queue("node2").execute(() -> {
            try {
                busy.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Void> switched = routes.routeTo("node2", List.of(FILTER));
        CompletableFuture<Boolean> subscribedWhenSwitched = switched.thenApply(
                v -> NodeQueuesMoveRouteTest.matches(router, queues.queue("node2"), "move/x"));
        // The publisher loops pass at once, and the store's barrier is immediate: only the queue's loop holds it up.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !switched.isDone());
        busy.countDown();
        assertThat(subscribedWhenSwitched.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
