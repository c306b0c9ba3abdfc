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
        return lateMarks(waitMillis, LateMarks.ABSENT_WAIT_MILLIS);
    }

    private LateMarks lateMarks(long waitMillis, long absentWaitMillis) {
        return new LateMarks("node1", new SessionOwners(registry, "node1"), sessions, links,
                (to, clientId, tailId, frame) -> {
                    assertThat(HandoverCodec.read(frame).requestId()).isEqualTo(tailId);
                    sent.add(Map.entry(to.node(), HandoverCodec.read(frame)));
                }, waitMillis, absentWaitMillis);
    }

    private HandoverGiving.Outgoing moving() {
        return new HandoverGiving.Outgoing(session, "node2", 42, ConcurrentHashMap.newKeySet(), List.of("late/#"),
                ConcurrentHashMap.newKeySet(), new CompletableFuture<>(), new ConcurrentHashMap<>(),
                new CompletableFuture<>(), ConcurrentHashMap.newKeySet());
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
        late.hold("mover", moving, Set.of(FROM_C), Set.of());
        // What the session held at the cut went in the cut's own tail.
        assertThat(session.offer(delivery(FROM_C, 5, "c5 in the cut's tail"))).isTrue();
        cut(late);
        assertThat(session.offer(delivery(FROM_C, 6, "c6"))).isTrue();
        assertThat(session.offer(delivery(FROM_D, 9, "d9 reached node 2 directly"))).isTrue();
        assertThat(session.offer(delivery(FROM_C, 7, "c7"))).isTrue();
        assertThat(late.moving("mover")).as("still waiting for node 3").isSameAs(moving);

        moving.routedBefore().put(FROM_C, 7L);
        MoveOrigins.mark(session, FROM_C);
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
        MoveOrigins.mark(session, FROM_C);
        late.hold("mover", moving, Set.of(FROM_C), Set.of());
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
        late.hold("mover", moving(), Set.of(FROM_C), Set.of());
        cut(late);
        assertThat(session.offer(delivery(FROM_C, 6, "c6"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        HandoverCodec.Frame tail = sent.get(0).getValue();
        assertThat(payloads(tail)).containsExactly("c6");
        assertThat(tail.routedBefore()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }

    @Test
    @DisplayName("A node that was down at the move is waited for past the late nodes' wait: what it queued for the "
            + "old node before it went, sent once it is back, follows the session as a late tail with its cut-off "
            + "(MQTT-4.3.3: nothing acknowledged lost)")
    void anAbsentNodeIsWaitedForUntilItIsBack() throws Exception {
        LateMarks late = lateMarks(300, 60_000);
        HandoverGiving.Outgoing moving = moving();
        late.hold("mover", moving, Set.of(FROM_C), Set.of(FROM_C));
        cut(late);
        await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(5)).until(sent::isEmpty);
        assertThat(late.moving("mover")).as("still held past the late nodes' wait").isSameAs(moving);

        // Back: its backlog first, then (asked once its link is up) its mark behind it.
        assertThat(session.offer(delivery(FROM_C, 4, "c4 queued before it went down"))).isTrue();
        assertThat(session.offer(delivery(FROM_C, 5, "c5"))).isTrue();
        moving.routedBefore().put(FROM_C, 5L);
        MoveOrigins.mark(session, FROM_C);
        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        HandoverCodec.Frame tail = sent.get(0).getValue();
        assertThat(payloads(tail)).containsExactly("c4 queued before it went down", "c5");
        assertThat(tail.routedBefore()).isEqualTo(Map.of(FROM_C, 5L));
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }

    @Test
    @DisplayName("A node that does not come back within its wait: what it sent goes without a cut-off, and the old "
            + "copy goes")
    void anAbsentNodesWaitEnds() throws Exception {
        LateMarks late = lateMarks(300, 1_500);
        late.hold("mover", moving(), Set.of(FROM_C), Set.of(FROM_C));
        cut(late);
        assertThat(session.offer(delivery(FROM_C, 6, "c6"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sent.isEmpty());
        assertThat(payloads(sent.get(0).getValue())).containsExactly("c6");
        assertThat(sent.get(0).getValue().routedBefore()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }

    @Test
    @DisplayName("The client wants its session back on the old node while the copy there waits only for a node that "
            + "is still down and sent nothing: the copy gives way (so that the session can come back), and nothing "
            + "goes as a tail")
    void theCopyGivesWayToTheClient() throws Exception {
        LateMarks late = lateMarks(60_000, 60_000);
        late.hold("mover", moving(), Set.of(FROM_C), Set.of(FROM_C));
        cut(late);
        late.giveWay("mover");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> sessions.get("mover") == null && late.moving("mover") == null);
        assertThat(router.topicTree().match("late/s", "x").isEmpty()).as("unsubscribed").isTrue();
        assertThat(sent).isEmpty();
    }

    @Test
    @DisplayName("The copy does not give way while a node it waits for is up or has sent it something: that node's "
            + "messages are on their way, and go after the session as a late tail")
    void theCopyKeepsWhatCame() throws Exception {
        LateMarks late = lateMarks(60_000, 60_000);
        HandoverGiving.Outgoing moving = moving();
        late.hold("mover", moving, Set.of(FROM_C, FROM_D), Set.of(FROM_C));
        cut(late);
        late.giveWay("mover");
        assertThat(session.offer(delivery(FROM_C, 4, "c4"))).isTrue();
        moving.routedBefore().put(FROM_D, 1L);
        MoveOrigins.mark(session, FROM_D); // node 4, up at the move, marks: only the absent node 3 is due
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        late.giveWay("mover"); // node 3 sent c4: no way
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> late.moving("mover") == moving && sessions.get("mover") != null);
        moving.routedBefore().put(FROM_C, 4L);
        MoveOrigins.mark(session, FROM_C);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        assertThat(payloads(sent.get(1).getValue())).containsExactly("c4");
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("mover") == null);
    }
}
