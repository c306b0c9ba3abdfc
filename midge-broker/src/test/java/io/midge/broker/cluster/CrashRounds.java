package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.MosquittoClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The crash test across nodes, kill by kill, over a three-node cluster: two publishers with persistent sessions on
 * node 1 (one QoS 1 stream, which also sets a retained message every {@value #RETAIN_EVERY}th number, one QoS 2
 * stream; {@link ResendingPublisher}), and on each of nodes 2 and 3 a persistent subscriber per stream (Paho at QoS 1,
 * the raw client at QoS 2, which counts duplicates itself). {@link #kill} kills a node with SIGKILL mid-stream and
 * starts it again on its data directory; everybody reconnects to the node they were on. Records, per kill, what was
 * acknowledged and delivered from the moment of the kill to the next, and times: until the surviving nodes log the
 * death (Hazelcast's membership event), and until a client of the dead node that connects to a surviving node gets
 * its first message.
 */
final class CrashRounds implements AutoCloseable {
    static final String RETAINED = "cc/retained";
    private static final int RETAIN_EVERY = 25;
    /** Acknowledgements (both streams) to wait for between steps, so that each kill meets a running stream. */
    private static final int STEP = 200;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final ClusterNodes nodes;
    private final String test;
    private final ResendingPublisher q1;
    private final ResendingPublisher q2;
    private final Thread q1Thread;
    private final Thread q2Thread;
    /** Per subscriber node (2 and 3): its QoS 1 and its QoS 2 subscriber. */
    private final List<PersistentSubscriber> q1Subscribers = new ArrayList<>();
    private final List<PersistentSubscriber> q2Subscribers = new ArrayList<>();
    private final List<Kill> kills = new ArrayList<>();

    /** One kill: the node, the first numbers of each stream published from it on, and its times (ms; -1 if none). */
    record Kill(int node, long q1From, long q2From, long detectedMs, long movedClientFirstMs, long restartMs,
                long publisherBackMs) {
    }

    CrashRounds(ClusterNodes nodes, String test) throws Exception {
        this.nodes = nodes;
        this.test = test;
        q1 = new ResendingPublisher(nodes.mqttPort(0), "cc-pub-q1", 1, "cc/q1/data", RETAINED, RETAIN_EVERY);
        q2 = new ResendingPublisher(nodes.mqttPort(0), "cc-pub-q2", 2, "cc/q2/data", null, 0);
        q1Thread = new Thread(q1, "cc-pub-q1");
        q2Thread = new Thread(q2, "cc-pub-q2");
        q1Thread.setDaemon(true);
        q2Thread.setDaemon(true);
        for (int node = 1; node <= 2; node++) {
            q1Subscribers.add(new PahoQos1Subscriber(nodes.url(node), "cc-sub-q1-n" + (node + 1), "cc/q1/#"));
            q2Subscribers.add(new RawQos2Subscriber(nodes.mqttPort(node), "cc-sub-q2-n" + (node + 1), "cc/q2/#"));
        }
    }

    private List<PersistentSubscriber> subscribers() {
        List<PersistentSubscriber> all = new ArrayList<>(q1Subscribers);
        all.addAll(q2Subscribers);
        return all;
    }

    private int acknowledged() {
        return q1.acknowledged.size() + q2.acknowledged.size();
    }

    /** Subscribes everybody, waits until the routes reached node 1 (probes numbered 0), then starts publishing. */
    void start() {
        subscribers().forEach(PersistentSubscriber::start);
        await().atMost(WAIT).until(() -> subscribers().stream().allMatch(PersistentSubscriber::connected));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            MosquittoClients.pub(nodes.mqttPort(0), "-t", "cc/q1/probe", "-m", "0", "-q", "1");
            MosquittoClients.pub(nodes.mqttPort(0), "-t", "cc/q2/probe", "-m", "0", "-q", "2");
            return subscribers().stream().allMatch(s -> s.received().contains(0L));
        });
        q1Thread.start();
        q2Thread.start();
    }

    /** Kills node {@code i} (0-based) mid-stream, measures, starts it again and waits until everybody is back. */
    void kill(int node) throws Exception {
        int before = acknowledged();
        await().atMost(WAIT).until(() -> acknowledged() >= before + STEP);
        String died = "Node '" + ClusterNodes.nodeId(node) + "' left the cluster";
        Map<Integer, Integer> seen = new HashMap<>();
        for (int other = 0; other < 3; other++) {
            seen.put(other, ClusterLogs.lines(test, other, died).size());
        }
        long q1From = q1.next();
        long q2From = q2.next();
        q1.firstAckAfterReconnect = 0;
        q2.firstAckAfterReconnect = 0;
        LocalTime killedAt = LocalTime.now();
        nodes.kill(node); // SIGKILL, mid-stream
        long detected = 0;
        for (int other = 0; other < 3; other++) {
            if (other != node) {
                int o = other;
                List<String> lines = await().atMost(WAIT).until(() -> ClusterLogs.lines(test, o, died),
                        l -> l.size() > seen.get(o));
                detected = Math.max(detected, ClusterLogs.after(killedAt, lines.get(lines.size() - 1)).toMillis());
            }
        }
        long moved = -1;
        if (node != 0) {
            moved = movedClientFirstMessage(node == 1 ? 2 : 1, "cc-moved-" + kills.size());
            int down = acknowledged();
            // Node 1 goes on acknowledging: what the dead node misses waits in node 1's queue for it.
            await().atMost(WAIT).until(() -> acknowledged() >= down + STEP);
        }
        long t0 = System.nanoTime();
        nodes.start(node);
        long restart = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long publisherBack = -1;
        if (node == 0) {
            await().atMost(WAIT).until(() -> q1.firstAckAfterReconnect != 0 && q2.firstAckAfterReconnect != 0);
            publisherBack = TimeUnit.NANOSECONDS.toMillis(Math.max(q1.firstAckAfterReconnect,
                    q2.firstAckAfterReconnect) - t0 - TimeUnit.MILLISECONDS.toNanos(restart));
        }
        await().atMost(WAIT).until(() -> subscribers().stream().allMatch(PersistentSubscriber::connected));
        kills.add(new Kill(node, q1From, q2From, detected, moved, restart, publisherBack));
    }

    /**
     * A client of the dead node that goes to a surviving one (Paho, a new clean session there): from CONNECT to its
     * first message of the running QoS 1 stream, in ms.
     */
    private long movedClientFirstMessage(int survivor, String clientId) throws Exception {
        List<Long> got = new CopyOnWriteArrayList<>();
        MqttClient client = new MqttClient(nodes.url(survivor), clientId, new MemoryPersistence());
        long t0 = System.nanoTime();
        try {
            client.connect(new MqttConnectOptions());
            client.subscribe("cc/q1/data", 1, (t, m) -> {
                if (got.isEmpty()) {
                    got.add(System.nanoTime());
                }
            });
            await().atMost(WAIT).until(() -> !got.isEmpty());
            return TimeUnit.NANOSECONDS.toMillis(got.get(0) - t0);
        } finally {
            client.disconnect();
            client.close();
        }
    }

    /** Lets the load run past the last restart, stops it and waits until every subscriber has what was acknowledged. */
    void finish() throws Exception {
        int before = acknowledged();
        await().atMost(WAIT).until(() -> acknowledged() >= before + STEP);
        q1.stop();
        q2.stop();
        q1Thread.join(WAIT.toMillis());
        q2Thread.join(WAIT.toMillis());
        assertThat(q1Thread.isAlive() || q2Thread.isAlive()).as("publishers done").isFalse();
        await().atMost(WAIT).until(() -> q1Subscribers.stream().allMatch(s -> new HashSet<>(s.received())
                .containsAll(q1.acknowledged)) && q2Subscribers.stream().allMatch(s -> new HashSet<>(s.received())
                .containsAll(q2.acknowledged)));
    }

    long lastRetained() {
        return q1.lastRetained.get();
    }

    /** Prints one line per kill: acknowledged, delivered, lost, duplicated, and the times. */
    void report() {
        for (int k = 0; k < kills.size(); k++) {
            Kill kill = kills.get(k);
            long q1To = k + 1 < kills.size() ? kills.get(k + 1).q1From : Long.MAX_VALUE;
            long q2To = k + 1 < kills.size() ? kills.get(k + 1).q2From : Long.MAX_VALUE;
            long q1From = k == 0 ? 1 : kill.q1From;
            long q2From = k == 0 ? 1 : kill.q2From;
            Figures f1 = Figures.of(q1.acknowledged, q1Subscribers, q1From, q1To);
            Figures f2 = Figures.of(q2.acknowledged, q2Subscribers, q2From, q2To);
            System.out.printf("cluster-crash: kill %d of %s: acknowledged %d (QoS 1 %d, QoS 2 %d), delivered %d, "
                    + "lost %d, duplicated at QoS 2 %d (at QoS 1 %d); the others noticed in %d ms; a client moved "
                    + "to a surviving node got its first message %s; restart to listening %d ms%s%n", k + 1,
                    ClusterNodes.nodeId(kill.node), f1.acknowledged + f2.acknowledged, f1.acknowledged,
                    f2.acknowledged, f1.delivered + f2.delivered, f1.lost + f2.lost, f2.duplicated, f1.duplicated,
                    kill.detectedMs, kill.movedClientFirstMs < 0 ? "(n/a: the publisher's node)"
                            : "in " + kill.movedClientFirstMs + " ms",
                    kill.restartMs, kill.publisherBackMs < 0 ? ""
                            : "; the publishers' first acknowledgement " + kill.publisherBackMs + " ms after that");
        }
        System.out.printf("cluster-crash: in all %d kills, %d acknowledged, last retained %d%n", kills.size(),
                q1.acknowledged.size() + q2.acknowledged.size(), q1.lastRetained.get());
    }

    /** Nothing acknowledged lost, QoS 2 exactly once and in order, first deliveries in order at QoS 1. */
    void verify() {
        List<String> errors = new ArrayList<>(q1.errors);
        errors.addAll(q2.errors);
        subscribers().forEach(s -> errors.addAll(s.errors()));
        assertThat(errors).as("client errors").isEmpty();
        for (PersistentSubscriber s : q1Subscribers) {
            List<Long> got = s.received().stream().filter(n -> n > 0).toList();
            assertThat(got).as("QoS 1 deliveries").containsAll(q1.acknowledged);
            assertThat(firstDeliveries(got)).as("QoS 1 first deliveries in order").isSorted();
        }
        for (PersistentSubscriber s : q2Subscribers) {
            List<Long> got = s.received().stream().filter(n -> n > 0).toList();
            assertThat(got).as("QoS 2 deliveries").containsAll(q2.acknowledged).doesNotHaveDuplicates().isSorted();
        }
    }

    /** The numbers received, each at its first delivery. */
    static List<Long> firstDeliveries(List<Long> received) {
        Set<Long> seen = new HashSet<>();
        List<Long> firsts = new ArrayList<>();
        for (long n : received) {
            if (seen.add(n)) {
                firsts.add(n);
            }
        }
        return firsts;
    }

    /** One stream's figures over numbers [from, to), summed over its subscribers. */
    private record Figures(int acknowledged, int delivered, int lost, int duplicated) {
        static Figures of(List<Long> acked, List<PersistentSubscriber> subscribers, long from, long to) {
            Set<Long> ackedHere = new HashSet<>();
            for (long n : acked) {
                if (n >= from && n < to) {
                    ackedHere.add(n);
                }
            }
            int delivered = 0;
            int lost = 0;
            int duplicated = 0;
            for (PersistentSubscriber s : subscribers) {
                Map<Long, Integer> times = new HashMap<>();
                for (long n : s.received()) {
                    if (n >= from && n < to) {
                        times.merge(n, 1, Integer::sum);
                        delivered++;
                    }
                }
                for (long n : ackedHere) {
                    if (!times.containsKey(n)) {
                        lost++;
                    }
                }
                for (int count : times.values()) {
                    duplicated += count - 1;
                }
            }
            return new Figures(ackedHere.size(), delivered, lost, duplicated);
        }
    }

    @Override
    public void close() throws Exception {
        q1.stop();
        q2.stop();
        for (PersistentSubscriber s : subscribers()) {
            s.stop();
        }
    }
}
