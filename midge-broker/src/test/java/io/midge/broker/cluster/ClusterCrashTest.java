package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.Threads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster under load while nodes come, go and die: three broker processes, of which nodes 1 and 2 start first.
 * Node 3 joins under a publish stream from node 1 to node 2 and leaves again (stopped cleanly); then, with node 3
 * back, each node in turn is killed with SIGKILL under QoS 1 and 2 load and started again on its data directory
 * (see {@link CrashRounds}). The figures of each (acknowledged, delivered, lost, duplicated; how long the others
 * took to notice a death, how long a client of the dead node that went to a surviving one waited for its first
 * message) are printed, prefixed {@code cluster-crash:}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(NodeLogsOnFailure.class)
class ClusterCrashTest {
    static final String NAME = "ClusterCrashTest";

    @TempDir
    static Path temp;
    private ClusterNodes nodes;

    @BeforeAll
    void startTwoOfThree() {
        ClusterLogs.clear(NAME);
        nodes = new ClusterNodes(3, temp, NAME);
        nodes.start(0);
        nodes.start(1); // two of three: a majority, so both take clients
    }

    @AfterAll
    void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("Node 3 joins under a QoS 1 stream from node 1 to node 2 and leaves again (stopped): nothing "
            + "acknowledged is lost on the stream, node 3's subscriber gets every message from its first on, in "
            + "order, and the join and the leave are logged with the reason (MQTT-4.6.0-6)")
    void nodeJoinsAndLeavesUnderLoad() throws Exception {
        PahoQos1Subscriber onNode2 = new PahoQos1Subscriber(nodes.url(1), "jl-sub-2", "jl/#");
        onNode2.start();
        await().atMost(Duration.ofSeconds(30)).until(onNode2::connected);
        org.eclipse.paho.client.mqttv3.MqttClient pub = new org.eclipse.paho.client.mqttv3.MqttClient(nodes.url(0),
                "jl-pub", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(1000);
        pub.connect(options);
        // The route of node 2's subscriber reaches node 1 a moment after SUBACK: probe until it did.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            pub.publish("jl/probe", "0".getBytes(StandardCharsets.UTF_8), 0, false);
            return !onNode2.received().isEmpty();
        });
        List<Long> acknowledged = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread stream = Threads.start(() -> {
            try {
                for (long n = 1; !stop.get(); n++) {
                    pub.publish("jl/data", Long.toString(n).getBytes(StandardCharsets.UTF_8), 1, false);
                    acknowledged.add(n); // publish returns on PUBACK
                }
            } catch (Exception e) {
                throw new AssertionError("the stream's publisher failed", e);
            }
        });
        List<Long> onNode3 = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient hive = MqttClient.builder().useMqttVersion5().identifier("jl-sub-3")
                .serverHost("127.0.0.1").serverPort(nodes.mqttPort(2)).buildAsync();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200);
            nodes.start(2);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(ClusterLogs.of(NAME, 0)).contains("Node 'node3' joined the cluster");
                assertThat(ClusterLogs.of(NAME, 1)).contains("Node 'node3' joined the cluster");
            });
            // Node 3 takes clients once it sees a majority; the HiveMQ client retries until it may.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> hive.connect().get(5, TimeUnit.SECONDS) != null);
            hive.subscribeWith().topicFilter("jl/data").qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> onNode3.add(Long.parseLong(StandardCharsets.UTF_8.decode(p.getPayload().get())
                            .toString())))
                    .send().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> onNode3.size() >= 200);
            hive.disconnect().get(10, TimeUnit.SECONDS);
            int beforeLeave = acknowledged.size();
            nodes.stop(2); // SIGTERM: a clean leave
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(ClusterLogs.of(NAME, 0)).contains("Node 'node3' left the cluster: it shut down");
                assertThat(ClusterLogs.of(NAME, 1)).contains("Node 'node3' left the cluster: it shut down");
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= beforeLeave + 200);
        } finally {
            stop.set(true);
            stream.join(15_000);
            pub.disconnect();
            pub.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Set.copyOf(onNode2.received()).containsAll(acknowledged));
        onNode2.stop();
        List<Long> stream2 = onNode2.received().stream().filter(n -> n > 0).toList();
        List<Long> firsts = CrashRounds.firstDeliveries(stream2);
        assertThat(firsts).as("node 2: first deliveries in order").isSorted();
        assertThat(onNode3).as("node 3: in order, none missing from its first message on").isSorted()
                .doesNotHaveDuplicates();
        assertThat(onNode3.get(onNode3.size() - 1) - onNode3.get(0) + 1).as("node 3: no gap")
                .isEqualTo(onNode3.size());
        System.out.printf("cluster-crash: join/leave under load: %d acknowledged on node 1, %d delivered on node 2 "
                + "(lost 0), %d on node 3 (%d..%d, no gap)%n", acknowledged.size(), stream2.size(), onNode3.size(),
                onNode3.get(0), onNode3.get(onNode3.size() - 1));
    }

    @Test
    @Order(2)
    @DisplayName("Each node in turn killed (SIGKILL) under QoS 1 and 2 load from node 1 to persistent subscribers on "
            + "nodes 2 and 3, and restarted on its data directory: every acknowledged message delivered, QoS 2 exactly "
            + "once, in order per publisher, the last retained message on every node (MQTT-4.3.2-*, MQTT-4.3.3-*, "
            + "MQTT-4.6.0-6, MQTT-3.3.1-5)")
    void eachNodeKilledInTurn() throws Exception {
        nodes.start(2); // node 3 again, on the data directory it left
        CrashRounds rounds = new CrashRounds(nodes, NAME);
        try {
            rounds.start();
            for (int node : new int[] {1, 2, 0}) {
                rounds.kill(node);
            }
            rounds.finish();
        } finally {
            rounds.close();
        }
        rounds.report();
        rounds.verify();
        AtomicLong last = new AtomicLong(rounds.lastRetained());
        assertThat(last.get()).as("a retained message was acknowledged").isPositive();
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(MosquittoClients.sub(nodes.mqttPort(node), "-t", CrashRounds.RETAINED, "-C", "1",
                            "-W", "3").stdout().trim()).as("retained on node %d", node + 1)
                            .isEqualTo(Long.toString(last.get())));
        }
    }
}
