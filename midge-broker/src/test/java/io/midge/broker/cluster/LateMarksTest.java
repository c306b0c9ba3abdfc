package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionSnapshot;
import io.midge.broker.session.SessionStore;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The old owner of a moved session, cut before a slow node's mark came ({@link LateMarks}): what that node routed
 * here before its switch reaches the new owner as a late tail, instead of no session at all.
 */
class LateMarksTest {
    private static final String FROM_C = NodeLink.LINK_PREFIX + "node3";
    private static final String FROM_D = NodeLink.LINK_PREFIX + "node4";

    private final InMemoryPersistence store = new InMemoryPersistence();
    private final Router router = new Router(store);
    private final SessionRegistry sessions = new SessionRegistry(router.topicTree(), BrokerConfig.defaults(),
            new BrokerMetrics(), router::publish, new SessionStore(store));
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    private final HandoverLinks links = new HandoverLinks(group);
    private final ConcurrentHashMap<String, String> registry = new ConcurrentHashMap<>();
    /** The tails sent: node, then the frame. */
    private final List<Map.Entry<String, HandoverCodec.Frame>> sent = new CopyOnWriteArrayList<>();
    private Session session;

    @BeforeEach
    void movedToNode2() throws Exception {
        // The session lives on this node ("node1"), subscribed, and the registry says node 2 has it now.
        CompletableFuture<Session> restored = new CompletableFuture<>();
        group.next().execute(() -> {
            sessions.restore(new RecoveredSession(new StoredSession("mover", 5, 3600, 0, 1), Long.MAX_VALUE,
                    Map.of("late/#", StoredSubscription.of(2)), List.of(), List.of(), new int[0], 1),
                    (EventLoop) group.next());
            restored.complete(sessions.get("mover"));
        });
        session = restored.get(10, TimeUnit.SECONDS);
        new SessionOwners(registry, "node2").claimIfFreeOrMine("mover", true).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        links.close();
        group.submit(sessions::clear).get(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        store.close();
    }

    private LateMarks lateMarks(long waitMillis) {
        return new LateMarks("node1", new SessionOwners(registry, "node1"), sessions, links,
                (to, clientId, tailId, frame) -> {
                    assertThat(HandoverCodec.read(frame).requestId()).isEqualTo(tailId);
                    sent.add(Map.entry(to.node(), HandoverCodec.read(frame)));
                }, waitMillis);
    }

    private HandoverGiving.Outgoing moving() {
        return new HandoverGiving.Outgoing(session, "node2", 42, ConcurrentHashMap.newKeySet(), List.of("late/#"),
                ConcurrentHashMap.newKeySet(), new CompletableFuture<>(), new ConcurrentHashMap<>(),
                new CompletableFuture<>());
    }

    private static Delivery delivery(String publisher, long forwardId, String payload) {
        return new Delivery(new Message("late/s", 2, false, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, publisher, forwardId), 2, false, new int[0]);
    }

    /** The cut, as {@link HandoverGiving} makes it: on the session's loop, what it holds read, then let go. */
    private void cut(LateMarks late) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.execute(() -> {
            late.cut("mover", SessionSnapshot.deliveries(session));
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    private static List<String> payloads(HandoverCodec.Frame tail) {
        return tail.tail().stream().map(d -> new String(d.message().payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    @DisplayName("A node whose mark comes after the cut: what it routed to the old node before its switch goes to "
            + "the new owner as a late tail, with that node's cut-off, so nothing acknowledged is lost "
            + "(MQTT-4.3.3, MQTT-3.1.2-5: the session's messages are kept); other nodes' messages, which reached the "
            + "new owner directly, stay out; the old copy goes once no mark is due")
    void aLateMarkSendsWhatCameAheadOfIt() throws Exception {
        LateMarks late = lateMarks(60_000);
        HandoverGiving.Outgoing moving = moving();
        late.hold("mover", moving, Set.of(FROM_C));
        // What the session held at the cut went in the cut's own tail.
        assertThat(session.offer(delivery(FROM_C, 5, "c5 in the cut's tail"))).isTrue();
        cut(late);
        assertThat(session.offer(delivery(FROM_C, 6, "c6"))).isTrue();
        assertThat(session.offer(delivery(FROM_D, 9, "d9 reached node 2 directly"))).isTrue();
        assertThat(session.offer(delivery(FROM_C, 7, "c7"))).isTrue();
        assertThat(late.moving("mover")).as("still waiting for node 3").isSameAs(moving);

        moving.routedBefore().put(FROM_C, 7L);
        HandoverGiving.mark(session, FROM_C);
        assertThat(session.offer(delivery(FROM_C, 8, "c8 after the switch"))).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getKey()).isEqualTo("node2");
        HandoverCodec.Frame tail = sent.get(0).getValue();
        assertThat(tail.requestId()).as("its own identity, not the move's (whose tail went at the cut)")
                .isEqualTo(LateMarks.lateTailId(42, 1)).isNegative();
        assertThat(payloads(tail)).containsExactly("c6", "c7");
        assertThat(tail.identities()).containsExactly(FROM_C + " 6", FROM_C + " 7");
        assertThat(tail.routedBefore()).isEqualTo(Map.of(FROM_C, 7L));
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
        assertThat(late.moving("mover")).isNull();
        assertThat(router.topicTree().match("late/s", "x").isEmpty()).as("unsubscribed").isTrue();
    }

    @Test
    @DisplayName("A mark already in the session's queue when the cut is held (it came as the cut began) starts its "
            + "late tail too, rather than waiting for the time to be up")
    void aMarkQueuedBeforeTheHoldCounts() throws Exception {
        LateMarks late = lateMarks(60_000);
        HandoverGiving.Outgoing moving = moving();
        moving.routedBefore().put(FROM_C, 3L);
        HandoverGiving.mark(session, FROM_C);
        late.hold("mover", moving, Set.of(FROM_C));
        cut(late);
        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        assertThat(sent.get(0).getValue().tail()).isEmpty();
        assertThat(sent.get(0).getValue().routedBefore()).isEqualTo(Map.of(FROM_C, 3L));
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }

    @Test
    @DisplayName("A node that never says it switched: once the wait is up, what it sent goes to the new owner all the "
            + "same (without a cut-off, which only its mark can give), and the old copy goes")
    void noMarkInTimeSendsWhatCame() throws Exception {
        LateMarks late = lateMarks(2_000);
        late.hold("mover", moving(), Set.of(FROM_C));
        cut(late);
        assertThat(session.offer(delivery(FROM_C, 6, "c6"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        HandoverCodec.Frame tail = sent.get(0).getValue();
        assertThat(payloads(tail)).containsExactly("c6");
        assertThat(tail.routedBefore()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }
}
