package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.PersistenceOptions;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.RecoveredState;
import io.midge.broker.persistence.RocksDbPersistence;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
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
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new node's end of a move's tail across its own restart (real RocksDB): the copies it drops and the fact that
 * it holds the tail are stored with the tail, so a restart neither delivers a copy again nor queues a tail given
 * again twice.
 */
class MovedTailRestartTest {
    private static final String FROM_C = NodeLink.LINK_PREFIX + "c";
    private static final String FROM_D = NodeLink.LINK_PREFIX + "d";
    private static final long MOVE = 41;

    @TempDir
    Path dir;
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    private final List<SessionRegistry> registries = new ArrayList<>();
    private RocksDbPersistence store;
    private SessionRegistry sessions;

    @AfterEach
    void close() throws Exception {
        for (SessionRegistry r : registries) {
            group.submit(r::clear).get(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (store != null) {
            store.close();
        }
    }

    /** Opens the store on {@code dir} and restores what it holds into a new registry, as a node's start does. */
    private RecoveredState start() throws Exception {
        store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        RecoveredState state = store.recover();
        Router router = new Router(store);
        sessions = new SessionRegistry(router.topicTree(), BrokerConfig.defaults(), new BrokerMetrics(),
                router::publish, new SessionStore(store));
        registries.add(sessions);
        EventLoop loop = (EventLoop) group.next();
        loop.submit(() -> state.sessions().forEach(s -> sessions.restore(s, loop))).get(10, TimeUnit.SECONDS);
        return state;
    }

    /** Shuts the node down: sessions end in memory only, the store writes what it was given and closes. */
    private void stop() throws Exception {
        group.submit(sessions::clear).get(10, TimeUnit.SECONDS);
        store.close();
        store = null;
    }

    private static Delivery delivery(String link, long forwardId, String payload) {
        Message m = new Message("t", 2, false, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, link, forwardId);
        return new Delivery(m, 2, false, new int[0], false);
    }

    private static List<String> held(Session s) throws Exception {
        CompletableFuture<List<String>> read = new CompletableFuture<>();
        s.execute(() -> read.complete(SessionSnapshot.deliveries(s).stream()
                .map(d -> d.message().payload().toString(StandardCharsets.UTF_8)).toList()));
        return read.get(10, TimeUnit.SECONDS);
    }

    /** The tail of move {@link #MOVE}: message 7 of node c (its copy is on its way here); c switched after its 5. */
    private static void giveTail(MovedTail tail) throws Exception {
        StoredDelivery c7 = new StoredDelivery(new StoredMessage("t", 2, false, "tail c7".getBytes(
                StandardCharsets.UTF_8), MqttProperties.EMPTY, StoredMessage.NEVER, FROM_C), 2, false, new int[0],
                false);
        tail.append("mover", MOVE, List.of(c7), List.of(FROM_C + " 7"), Map.of(FROM_C, 5L), null)
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("After the new node's restart, a copy of a tail's message and one routed before its node's switch "
            + "are still dropped as they arrive, other messages are not, and the tail given again is not queued twice: "
            + "QoS 2 is delivered once (MQTT-4.3.3)")
    void copiesAndTheAppliedTailSurviveARestart() throws Exception {
        start();
        // The session as a move installs it: stored, then restored.
        RecoveredSession moved = new RecoveredSession(new StoredSession("mover", 5, 3600, StoredSession.CONNECTED, 2), Long.MAX_VALUE,
                Map.of(), List.of(), List.of(), new int[0], 1);
        store.write(store.batch("mover").putSession(moved.session()), null).get(10, TimeUnit.SECONDS);
        EventLoop loop = (EventLoop) group.next();
        loop.submit(() -> sessions.restore(moved, loop)).get(10, TimeUnit.SECONDS);
        giveTail(new MovedTail("b", sessions));
        assertThat(held(sessions.get("mover"))).containsExactly("tail c7");
        stop();

        RecoveredState state = start();
        assertThat(state.sessions()).hasSize(1);
        assertThat(state.sessions().get(0).movedCopies()).as("stored with the tail").isNotNull();
        Session s = sessions.get("mover");
        MovedTail.restored(s, "b");

        giveTail(new MovedTail("b", sessions)); // its old node did not hear that it was stored, and sends it again
        assertThat(held(s)).as("queued once").containsExactly("tail c7");

        for (Delivery d : List.of(delivery(FROM_C, 7, "copy of c7"), delivery(FROM_C, 4, "c4 routed before"),
                delivery(FROM_C, 8, "c8"), delivery(FROM_D, 7, "d7"))) {
            assertThat(s.offer(d)).isTrue();
        }
        assertThat(held(s)).containsExactly("tail c7", "c8", "d7");
        stop();

        assertThat(start().sessions().get(0).queued()).as("in the store once")
                .extracting(q -> new String(q.delivery().message().payload(), StandardCharsets.UTF_8))
                .containsExactly("tail c7");
    }
}
