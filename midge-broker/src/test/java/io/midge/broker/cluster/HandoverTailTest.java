package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredSession;
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
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a moving session's old node puts in the tail, and what the new node drops as copies of it. */
class HandoverTailTest {
    private static final String FROM_C = NodeLink.LINK_PREFIX + "c";

    /** The new node's registry, for the tests that install a moved session. */
    private final InMemoryPersistence store = new InMemoryPersistence();
    private final Router router = new Router(store);
    private final SessionRegistry sessions = new SessionRegistry(router.topicTree(), BrokerConfig.defaults(),
            new BrokerMetrics(), router::publish, new SessionStore(store));
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    private final HandoverLinks links = new HandoverLinks(group);

    @AfterEach
    void close() throws Exception {
        links.close();
        group.submit(sessions::clear).get(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        store.close();
    }

    private static Delivery delivery(String publisher, long forwardId, boolean shared) {
        return delivery(publisher, forwardId, shared, "");
    }

    private static Delivery delivery(String publisher, long forwardId, boolean shared, String payload) {
        Message m = new Message("t", 2, false, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, publisher, forwardId);
        return new Delivery(m, 2, false, new int[0], shared);
    }

    @Test
    @DisplayName("A plain delivery behind its node's mark stays out of the tail (it reached the new node directly); "
            + "a share group's goes in all the same (its node chose this copy's node only: MQTT 5 4.8.2, one member "
            + "per group), so it is not lost; nothing the snapshot carried goes twice")
    void shareGroupDeliveriesAlwaysGoInTheTail() {
        Set<String> marked = Set.of(FROM_C);
        assertThat(MoveOrigins.inTail(delivery(FROM_C, 7, false), false, Set.of())).isTrue();
        assertThat(MoveOrigins.inTail(delivery(FROM_C, 7, false), false, marked)).isFalse();
        assertThat(MoveOrigins.inTail(delivery(FROM_C, 0, true), false, marked)).isTrue();
        assertThat(MoveOrigins.inTail(delivery("client", 0, true), false, Set.of(""))).as("this node's own")
                .isTrue();
        assertThat(MoveOrigins.inTail(delivery(FROM_C, 0, true), true, marked)).isFalse();
        assertThat(MoveOrigins.inTail(delivery(FROM_C, 7, false), true, Set.of())).isFalse();
        assertThat(MoveOrigins.identity(delivery(FROM_C, 7, true), "a")).as("a share group's has no copy")
                .isEmpty();
    }

    @Test
    @DisplayName("The new node drops each copy of a tail's message once, however late it comes (an identity names one "
            + "message on every node), and nothing else")
    void copiesAreDroppedOnceWithoutATimeLimit() {
        Set<String> identities = new HashSet<>();
        identities.add(MoveOrigins.identity(delivery(FROM_C, 7, false), "b"));
        identities.add(MoveOrigins.identity(delivery("client-on-a", 8, false), "a"));
        Predicate<Delivery> copies = MovedTail.copies(identities, "b");
        assertThat(copies.test(delivery(FROM_C, 6, false))).isFalse();
        assertThat(copies.test(delivery(FROM_C, 0, false))).isFalse();
        assertThat(copies.test(delivery(NodeLink.LINK_PREFIX + "d", 7, false))).as("another node's 7").isFalse();
        assertThat(copies.test(delivery(FROM_C, 7, false))).isTrue();
        assertThat(copies.test(delivery(FROM_C, 7, false))).as("once").isFalse();
        assertThat(copies.test(delivery(NodeLink.LINK_PREFIX + "a", 8, false))).isTrue();
        assertThat(identities).isEmpty();
        assertThat(MovedTail.COPIES_DROPPED_NANOS).as("no 60 s limit any more")
                .isGreaterThanOrEqualTo(TimeUnit.DAYS.toNanos(1));
    }

    /** The payloads a session holds (in flight, then queued), read on its loop after what was queued there before. */
    /** Holds the session's loop busy until the latch returned is counted down (at most 10 s). */
    static java.util.concurrent.CountDownLatch holdLoop(Session s) {
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        s.execute(() -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return hold;
    }

    static List<String> held(Session s) throws Exception {
        CompletableFuture<List<String>> read = new CompletableFuture<>();
        s.execute(() -> read.complete(SessionSnapshot.deliveries(s).stream()
                .map(d -> d.message().payload().toString(StandardCharsets.UTF_8)).toList()));
        return read.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("What a node routed to the new node before its switch of the move (a route older than the move: the "
            + "session lived there a moment ago) is dropped there, queued or arriving however late, so QoS 2 is "
            + "delivered once (MQTT-4.3.3): the old node had those messages, in the snapshot, the tail, or delivered "
            + "already; what came after a node's switch, other nodes' messages and the tail's own stay")
    void copiesRoutedBeforeTheSwitchAreDropped() throws Exception {
        // The old node "a" heard node c's mark (its last forward identity before its switch: 7) and took its own
        // (this node's publishers: 20). Nothing reached "a" after the snapshot: the tail is empty.
        HandoverCodec.Frame tail = HandoverCodec.read(HandoverCodec.tail(1, "mover", List.of(), List.of(),
                Map.of(FROM_C, 7L, NodeLink.LINK_PREFIX + "a", 20L)));

        // The new node "b" installed the session; before the tail came, copies of c's 6 and 7 (routed before c's
        // switch) and c's 8 (after it) came directly, and 9 of node d, which says nothing of this move.
        CompletableFuture<Session> installed = new CompletableFuture<>();
        group.next().execute(() -> {
            sessions.restore(new RecoveredSession(new StoredSession("mover", 4, 3600, 0, 1), Long.MAX_VALUE, Map.of(),
                    List.of(), List.of(), new int[0], 1), (io.netty.channel.EventLoop) group.next());
            installed.complete(sessions.get("mover"));
        });
        Session s = installed.get(10, TimeUnit.SECONDS);
        for (Delivery d : List.of(delivery(FROM_C, 6, false, "c6"), delivery(FROM_C, 7, false, "c7"),
                delivery(FROM_C, 8, false, "c8"), delivery(NodeLink.LINK_PREFIX + "d", 5, false, "d5"),
                delivery(FROM_C, 0, false, "c without identity"), delivery(FROM_C, 3, true, "c share"))) {
            assertThat(s.offer(d)).isTrue();
        }
        assertThat(held(s)).hasSize(6);

        HandoverAsking asking = new HandoverAsking("b", null, sessions, links, node -> true, null,
                ConcurrentHashMap.newKeySet());
        asking.onTail("a", tail);
        assertThat(held(s)).as("the queued copies routed before c's switch taken out")
                .containsExactly("c8", "d5", "c without identity", "c share");

        // Late copies, by a's link, of a's own messages 19 (before its switch) and 21 (after): the first is dropped.
        assertThat(s.offer(delivery(NodeLink.LINK_PREFIX + "a", 19, false, "a19"))).isTrue();
        assertThat(s.offer(delivery(NodeLink.LINK_PREFIX + "a", 21, false, "a21"))).isTrue();
        assertThat(s.offer(delivery(FROM_C, 5, false, "c5"))).isTrue();
        assertThat(held(s)).containsExactly("c8", "d5", "c without identity", "c share", "a21");
    }
}
