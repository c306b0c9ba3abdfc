package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionStore;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The new node of a move whose cut came before node c's mark ({@link LateTailCopies}): c's late tail (through the
 * old node "a") must neither repeat what c sent here directly nor take it out of the queue.
 */
class LateTailCopiesTest {
    private static final String FROM_C = NodeLink.LINK_PREFIX + "c";
    private static final String FROM_A = NodeLink.LINK_PREFIX + "a";

    private final InMemoryPersistence store = new InMemoryPersistence();
    private final Router router = new Router(store);
    private final SessionRegistry sessions = new SessionRegistry(router.topicTree(), BrokerConfig.defaults(),
            new BrokerMetrics(), router::publish, new SessionStore(store));
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    private final MovedTail movedTail = new MovedTail("b", sessions);

    @AfterEach
    void close() throws Exception {
        group.submit(sessions::clear).get(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        store.close();
    }

    private static Delivery delivery(String publisher, long forwardId, String payload) {
        return new Delivery(new Message("t", 2, false, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, publisher, forwardId), 2, false, new int[0]);
    }

    private static StoredDelivery stored(String publisher, long forwardId, String payload) {
        Delivery d = delivery(publisher, forwardId, payload);
        try {
            return StoredMessages.toStored(d, StoredMessages.toStored(d.message()));
        } finally {
            d.release();
        }
    }

    /** The session "mover", as a move installs it here (restored, offline). */
    private Session moverInstalled() throws Exception {
        CompletableFuture<Session> installed = new CompletableFuture<>();
        group.next().execute(() -> {
            sessions.restore(new RecoveredSession(new StoredSession("mover", 5, 3600, 0, 1), Long.MAX_VALUE, Map.of(),
                    List.of(), List.of(), new int[0], 1), (EventLoop) group.next());
            installed.complete(sessions.get("mover"));
        });
        return installed.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("A late tail leaves out what its node sent here directly (queued or gone out already) and takes no "
            + "queued copy out: QoS 2 once (MQTT-4.3.3), nothing acknowledged lost; what only the old node had is "
            + "queued last, and its copies arriving later are dropped")
    void aLateTailLeavesOutWhatCameDirectly() throws Exception {
        Session s = moverInstalled();
        // Node c saw this node's route for the session before its switch: c6 came here directly, and to "a".
        assertThat(s.offer(delivery(FROM_C, 6, "c6"))).isTrue();

        // The first tail: c5 (a had it; c's mark was due at the cut, so a late tail of c's follows).
        MovedTail.Arrival arrival = new MovedTail.Arrival(1, 0, 1_000, new CompletableFuture<>());
        movedTail.append("mover", 1, List.of(stored(FROM_C, 5, "c5")), List.of(FROM_C + " 5"),
                Map.of(FROM_C, LateMarks.MARK_DUE, FROM_A, 20L), arrival);
        arrival.tailIn().get(10, TimeUnit.SECONDS);
        assertThat(HandoverTailTest.held(s)).containsExactly("c5", "c6");

        // The session opened; c7 and c8 came directly too, and c6 went out (taken off the queue, as a send would).
        assertThat(s.offer(delivery(FROM_C, 7, "c7"))).isTrue();
        assertThat(s.offer(delivery(FROM_C, 8, "c8"))).isTrue();
        assertThat(HandoverTailTest.held(s)).containsExactly("c5", "c6", "c7", "c8");
        CompletableFuture<Void> sent = new CompletableFuture<>();
        s.execute(() -> {
            s.transfer().takeQueuedIf(d -> d.message().forwardId() == 6).forEach(Delivery::release);
            sent.complete(null);
        });
        sent.get(10, TimeUnit.SECONDS);

        // c's late tail through a: c6 and c7 (which came here directly) and c9 (which did not); c switched after 9.
        movedTail.append("mover", LateMarks.lateTailId(1, 1), List.of(stored(FROM_C, 6, "c6"), stored(FROM_C, 7, "c7"),
                stored(FROM_C, 9, "c9")), List.of(FROM_C + " 6", FROM_C + " 7", FROM_C + " 9"), Map.of(FROM_C, 9L),
                null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(HandoverTailTest.held(s))
                .containsExactly("c5", "c7", "c8", "c9"));

        // Copies still on their way: c9 (in the late tail) and c4 (before c's switch) go; c10 (after it) stays.
        assertThat(s.offer(delivery(FROM_C, 9, "c9 again"))).isTrue();
        assertThat(s.offer(delivery(FROM_C, 4, "c4"))).isTrue();
        assertThat(s.offer(delivery(FROM_C, 10, "c10"))).isTrue();
        assertThat(HandoverTailTest.held(s)).containsExactly("c5", "c7", "c8", "c9", "c10");
    }

    @Test
    @DisplayName("A late tail whose node's direct copy is still in the session's inbox (arrived, not drained yet) "
            + "keeps exactly one of the two: QoS 2 once (MQTT-4.3.3) and nothing acknowledged lost (the CI run where "
            + "messages 2000013, 4000014 and 6000013 were taken out of the queue as copies and left out of the tail "
            + "as seen)")
    void aDirectCopyStillInTheInboxIsKeptOnce() throws Exception {
        Session s = moverInstalled();
        MovedTail.Arrival arrival = new MovedTail.Arrival(1, 0, 1_000, new CompletableFuture<>());
        movedTail.append("mover", 1, List.of(), List.of(), Map.of(FROM_C, LateMarks.MARK_DUE, FROM_A, 20L), arrival);
        arrival.tailIn().get(10, TimeUnit.SECONDS);

        // The session's loop is held while c's late tail (c3, c4) is handed in and then c4's direct copy arrives, so
        // that the copy is in the inbox when the tail is applied (its drain task comes after the tail's).
        java.util.concurrent.CountDownLatch hold = HandoverTailTest.holdLoop(s);
        movedTail.append("mover", LateMarks.lateTailId(1, 1), List.of(stored(FROM_C, 3, "c3"),
                stored(FROM_C, 4, "c4")), List.of(FROM_C + " 3", FROM_C + " 4"), Map.of(FROM_C, 4L), null);
        assertThat(s.offer(delivery(FROM_C, 4, "c4"))).isTrue();
        hold.countDown();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(HandoverTailTest.held(s))
                .containsExactlyInAnyOrder("c3", "c4"));
    }
}
