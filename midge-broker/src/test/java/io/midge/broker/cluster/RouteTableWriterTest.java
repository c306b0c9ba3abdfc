package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The route table's writes to the replicated map on a writer thread of their own, with a map whose writes wait (as
 * a {@code ReplicatedMap.put} once waited 5.4 s for a busy partition owner): the cluster's thread goes on meanwhile,
 * and the writes keep their order.
 */
class RouteTableWriterTest {
    private static final SubscriptionOptions QOS1 = SubscriptionOptions.of(1);

    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-writes"));
    private final ExecutorService clusterThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-cluster"));
    private final Map<String, String> backing = new ConcurrentHashMap<>();
    /** Each write as "put key=value" or "remove key", with the thread that made it. */
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private final CountDownLatch slow = new CountDownLatch(1);
    private final CountDownLatch writing = new CountDownLatch(1);

    @AfterEach
    void stop() {
        slow.countDown();
        writer.shutdownNow();
        clusterThread.shutdownNow();
    }

    @Test
    @DisplayName("While a write of the route table waits on Hazelcast, the cluster's thread goes on; a route added, "
            + "removed, added and removed meanwhile ends removed, every write on the writer in order")
    void slowWritesHoldNothingUpAndKeepTheirOrder() throws Exception {
        TopicTree tree = new TopicTree();
        RouteTable table = new RouteTable("n1", writer, tree);
        tree.watch(table);
        table.connect(slowMap());
        Subscriber a = new LocalSubscriber("a", true);
        String x = RouteTable.key("n1", "x");

        tree.subscribe(a, "x", QOS1);
        assertThat(writing.await(10, TimeUnit.SECONDS)).as("the first put is under way").isTrue();
        // The cluster's thread follows the other nodes meanwhile: reading the table is local, and nothing of it waits.
        Future<Map<String, Map<String, Boolean>>> others = clusterThread.submit(table::othersRoutes);
        assertThat(others.get(2, TimeUnit.SECONDS)).isEmpty();
        tree.unsubscribe(a, "x");
        tree.subscribe(a, "x", QOS1);
        tree.unsubscribe(a, "x");
        table.syncOwn();
        table.announce(RouteTable.UP + "127.0.0.1:1");
        assertThat(writes).hasSize(1);

        slow.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> backing.containsKey(RouteTable.key("n1", "")));
        assertThat(backing).doesNotContainKey(x);
        assertThat(writes).allMatch(w -> w.startsWith("test-writes "));
        assertThat(writes.get(0)).isEqualTo("test-writes put " + x + "=");
        assertThat(writes).as("the route's last write removes it, before the node's entry").filteredOn(
                w -> w.contains(x)).last().isEqualTo("test-writes remove " + x);
        assertThat(writes).last().isEqualTo("test-writes put " + RouteTable.key("n1", "") + "=" + RouteTable.UP
                + "127.0.0.1:1");
    }

    @Test
    @DisplayName("A route removed and added again while its removal waits ends added")
    void addedAfterAWaitingRemovalEndsAdded() throws Exception {
        TopicTree tree = new TopicTree();
        RouteTable table = new RouteTable("n1", writer, tree);
        tree.watch(table);
        Subscriber a = new LocalSubscriber("a", true);
        String x = RouteTable.key("n1", "x");
        tree.subscribe(a, "x", QOS1);
        Map<String, String> fast = new ConcurrentHashMap<>();
        table.connect(FakeReplicatedMap.over(fast));
        table.syncOwn();
        await().atMost(Duration.ofSeconds(10)).until(() -> fast.containsKey(x));
        backing.putAll(fast);
        table.connect(slowMap());

        tree.unsubscribe(a, "x");
        assertThat(writing.await(10, TimeUnit.SECONDS)).as("the removal is under way").isTrue();
        tree.subscribe(a, "x", QOS1);
        slow.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> backing.containsKey(x));
        assertThat(writes).containsExactly("test-writes remove " + x, "test-writes put " + x + "=");
    }

    @Test
    @DisplayName("A route added then removed ends removed even when the local copy of the map does not show the "
            + "node's own put yet (a replicated map's copy follows its partition owner)")
    void removalDoesNotTrustTheLocalCopy() {
        TopicTree tree = new TopicTree();
        RouteTable table = new RouteTable("n1", Runnable::run, tree);
        tree.watch(table);
        // Writes reach the map; reads see an older copy, without them.
        Map<String, String> copy = new ConcurrentHashMap<>();
        table.connect(lagging(copy));
        Subscriber a = new LocalSubscriber("a", true);
        tree.subscribe(a, "x", QOS1);
        tree.unsubscribe(a, "x");
        assertThat(backing).doesNotContainKey(RouteTable.key("n1", "x"));
    }

    /** A map whose writes go to {@link #backing} while its reads see {@code copy}. */
    private ReplicatedMap<String, String> lagging(Map<String, String> copy) {
        return FakeReplicatedMap.of(backing, copy, null);
    }

    /** A map over {@link #backing} whose writes wait until {@link #slow} is counted down, each recorded. */
    private ReplicatedMap<String, String> slowMap() {
        return FakeReplicatedMap.of(backing, backing, (name, args) -> {
            writes.add(Thread.currentThread().getName() + " " + name + " " + args[0]
                    + (name.equals("put") ? "=" + args[1] : ""));
            writing.countDown();
            assertThat(slow.await(20, TimeUnit.SECONDS)).isTrue();
        });
    }
}
