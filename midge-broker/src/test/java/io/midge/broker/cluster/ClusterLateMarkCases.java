package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A session move while a node stands still ({@link LateMarks}), on {@link ClusterTest}'s cluster (a nested class
 * there). Node indexes are 0-based: node 1 is index 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterLateMarkCases {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final int PUBLISHERS = 8;

    abstract ClusterNodes nodes();

    @BeforeAll
    void everyNodeUp() {
        for (int i = 0; i < 3; i++) {
            if (!nodes().isAlive(i)) {
                nodes().start(i);
            }
        }
    }

    /**
     * A client identifier whose registry entry node {@code not} does not hold: a move's registry calls go to the
     * entry's node (a Hazelcast partition's owner), and a stopped owner would hold the move up until it goes on.
     * Asked of Hazelcast itself, through a client of the cluster.
     */
    private String clientIdNotHeldBy(int not) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(new LinkSecret("midge", "").hazelcastName());
        config.getNetworkConfig().addAddress("127.0.0.1:" + nodes().clusterPort(0));
        config.setProperty("hazelcast.logging.type", "slf4j");
        HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
        try {
            for (int i = 0; ; i++) {
                String id = "late-sub-" + i;
                String node = client.getPartitionService().getPartition(id).getOwner()
                        .getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
                if (!ClusterNodes.nodeId(not).equals(node)) {
                    return id;
                }
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    @DisplayName("A node that stands still through a move (SIGSTOP: its mark cannot come before the old node's 5 s "
            + "cut) goes on routing the session's filter to the old node until it switches: what it routed there "
            + "follows the session as a late tail, so every acknowledged QoS 2 message arrives, exactly once "
            + "(MQTT-4.3.3), and the session is kept (Session Present 1, MQTT-3.2.2-2)")
    void aStalledNodesMessagesFollowTheSession() throws Exception {
        String clientId = clientIdNotHeldBy(2);
        RawQos2Subscriber sub = subscribedOnNode1(clientId, "stall/#");
        // Several publishers on node 3, so that several messages are on their way when it stops.
        Publishers publishers = new Publishers("late-pub-", "stall/s");
        try {
            await().atMost(LONG).until(() -> sub.received().size() > 50);
        } catch (RuntimeException e) {
            throw new AssertionError("the subscriber got " + sub.received().size() + " messages; its events: "
                    + sub.events() + "; node 1 says of it: " + nodes().api(0, "clients/" + clientId), e);
        }

        // Node 3 stops with messages on their way to node 1 (routed, not yet sent) and more in its clients' sockets,
        // until node 1 cut its copy without node 3's mark (5 s after the switch began). Not much longer: Hazelcast
        // takes a member silent for 30 s for dead (and a registry write whose backup is on node 3 waits 5 s for it).
        nodes().pause(2);
        try {
            sub.moveTo(nodes().mqttPort(1));
            await().atMost(LONG).untilAsserted(() -> assertThat(nodes().log(0))
                    .contains("Session of '" + clientId + "' handed over before nodes [node3] switched"));
        } finally {
            nodes().resume(2);
        }
        await().atMost(LONG).until(() -> sub.connected() && sub.events().stream()
                .anyMatch(e -> e.startsWith("connected to " + nodes().mqttPort(1))));
        await().atMost(LONG).untilAsserted(() -> assertThat(nodes().log(0))
                .containsPattern("Session of '" + clientId + "': \\d+ messages that node 'node3' routed to this "
                        + "node before its late switch sent to node 'node2'"));
        int after = publishers.acknowledged.size();
        await().atMost(LONG).until(() -> publishers.acknowledged.size() > after + 50);
        Set<Long> all = publishers.stop();
        await().atMost(LONG).untilAsserted(() -> assertThat(new HashSet<>(sub.received()))
                .as("every acknowledged message").containsAll(all));
        List<Long> received = List.copyOf(sub.received());
        sub.stop();
        System.out.printf("cluster late mark: QoS 2 %d acknowledged, %d received, %d distinct%n", all.size(),
                received.size(), received.stream().distinct().count());
        assertThat(received).as("QoS 2 exactly once").doesNotHaveDuplicates();
        assertThat(sub.errors()).isEmpty();
    }

    @Test
    @DisplayName("A node that is down when a session moves (kill -9) holds in its forwarding queue to the old node "
            + "what it routed there before it died; once it is back that follows the session to the new node, so every "
            + "acknowledged QoS 2 message arrives, exactly once (MQTT-4.3.3)")
    void aDownNodesBacklogFollowsTheSession() throws Exception {
        String clientId = clientIdNotHeldBy(2);
        RawQos2Subscriber sub = subscribedOnNode1(clientId, "down/#");
        Publishers publishers = new Publishers("down-pub-", "down/s");
        await().atMost(LONG).until(() -> sub.received().size() > 50);

        // Node 1 stands still while node 3's publishers go on: node 3 acknowledges their messages once it stored
        // them, and queues them for node 1 beyond what its link may have in flight. Then node 3 dies with them.
        nodes().pause(0);
        try {
            int before = publishers.acknowledged.size();
            await().atMost(LONG).until(() -> publishers.acknowledged.size() > before + 3_000);
            nodes().kill(2);
        } finally {
            nodes().resume(0);
        }
        Set<Long> all = publishers.stop();

        // The session moves to node 2 while node 3 is down: node 1 cannot ask node 3 to switch.
        sub.moveTo(nodes().mqttPort(1));
        await().atMost(LONG).until(() -> sub.connected() && sub.events().stream()
                .anyMatch(e -> e.startsWith("connected to " + nodes().mqttPort(1))));
        int beforeBack = sub.received().size();
        nodes().start(2);
        try {
            await().atMost(LONG).untilAsserted(() -> assertThat(new HashSet<>(sub.received()))
                    .as("every acknowledged message").containsAll(all));
        } catch (AssertionError | RuntimeException e) { // Awaitility's timeout, with the assertion as its cause
            Set<Long> missing = new HashSet<>(all);
            missing.removeAll(sub.received());
            throw new AssertionError(missing.size() + " of " + all.size() + " acknowledged messages missing, e.g. "
                    + missing.stream().sorted().limit(10).toList() + "; node 1 says: " + nodes().notableLines(
                    java.time.LocalTime.MIN, 20, 300), e);
        }
        List<Long> received = List.copyOf(sub.received());
        sub.stop();
        System.out.printf("cluster down node: QoS 2 %d acknowledged, %d received (%d after node 3 came back), %d "
                + "distinct%n", all.size(), received.size(), received.size() - beforeBack,
                received.stream().distinct().count());
        assertThat(nodes().log(0)).containsPattern("Session of '" + clientId + "': \\d+ messages that node 'node3' "
                + "routed to this node before its late switch sent to node 'node2'");
        assertThat(received).as("QoS 2 exactly once").doesNotHaveDuplicates();
        assertThat(sub.errors()).isEmpty();
    }

    /** A raw QoS 2 subscriber of {@code filter} on node 1, once node 3 routes the filter to node 1. */
    private RawQos2Subscriber subscribedOnNode1(String clientId, String filter) throws Exception {
        RawQos2Subscriber sub = new RawQos2Subscriber(nodes().mqttPort(0), clientId, filter);
        sub.start();
        await().atMost(LONG).until(sub::connected);
        await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> nodes().routes(2, 0, filter));
        return sub;
    }

    /**
     * Paho QoS 2 publishers on node 3, each on its own thread: publisher p's message i is p * 1,000,000 + i, and is
     * counted once its PUBCOMP came.
     */
    private final class Publishers {
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<MqttClient> clients = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();

        Publishers(String clientPrefix, String topic) throws Exception {
            for (int p = 0; p < PUBLISHERS; p++) {
                MqttClient pub = new MqttClient(nodes().url(2), clientPrefix + p, new MemoryPersistence());
                MqttConnectOptions options = new MqttConnectOptions();
                options.setMaxInflight(1000);
                pub.connect(options);
                clients.add(pub);
                long first = p * 1_000_000L;
                threads.add(new Thread(() -> {
                    try {
                        for (long i = first; !stop.get(); i++) {
                            pub.publish(topic, Long.toString(i).getBytes(StandardCharsets.UTF_8), 2, false);
                            acknowledged.add(i);
                        }
                    } catch (Exception e) {
                        // the node went down under it: what it acknowledged is counted
                    }
                }, clientPrefix + p));
            }
            threads.forEach(Thread::start);
        }

        /** Stops publishing; returns what was acknowledged. */
        Set<Long> stop() throws Exception {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            for (MqttClient pub : clients) {
                try {
                    if (pub.isConnected()) {
                        pub.disconnect();
                    }
                    pub.close();
                } catch (Exception e) {
                    // its node is gone
                }
            }
            return Set.copyOf(acknowledged);
        }
    }
}
