package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.ChildBroker;
import io.midge.broker.testing.Threads;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker in a child process under QoS 1 and 2 load is killed with SIGKILL mid-stream, several times, and started
 * again on its data directory. Every message it acknowledged reaches the persistent subscriber (QoS 1 at least
 * once, QoS 2 exactly once, in order), and the retained message acknowledged last before a kill is there after it.
 */
class BrokerCrashTest {
    private static final int KILLS = 3;
    private static final String TOPIC = "crash/load";
    private static final String RETAINED = "crash/retained";

    @TempDir
    Path temp;

    /** Numbers the broker acknowledged, and the QoS each was published with. */
    private final Map<Long, Integer> acknowledged = new ConcurrentHashMap<>();
    /** Numbers the subscriber received, in order, duplicates included. */
    private final List<Long> received = new CopyOnWriteArrayList<>();
    /** QoS 2 packet identifiers the subscriber received and the broker did not release yet (the client's part). */
    private final Set<Integer> unreleased = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastRetainedAcked = new AtomicLong(-1);
    private long next = 1;
    private volatile boolean stopSubscriber;

    private static Connect connect(String clientId, boolean clean) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, clean, 0, null, null, null, MqttProperties.EMPTY);
    }

    @Test
    @DisplayName("Killed with SIGKILL under QoS 1 and 2 load, the broker loses no acknowledged message, delivers "
            + "QoS 2 exactly once and in order, and keeps acknowledged retained messages")
    void acknowledgedMessagesSurviveSigkill() throws Exception {
        Path dir = temp.resolve("data");
        for (int round = 0; round < KILLS; round++) {
            try (ChildBroker broker = startBroker(dir, round)) {
                runUntilKilled(broker.port(), broker, round == 0);
            }
        }
        try (ChildBroker broker = startBroker(dir, KILLS)) {
            int port = broker.port();
            drainSubscriber(port);
            checkRetained(port);
        }
        verifyDeliveries();
    }

    private ChildBroker startBroker(Path dir, int round) throws IOException {
        return ChildBroker.start(temp, "broker-" + round, List.of("-Xmx256m"), CrashBroker.class, dir.toString());
    }

    /** Publishes and subscribes until some messages were acknowledged, then kills the broker mid-stream. */
    private void runUntilKilled(int port, ChildBroker broker, boolean subscribe) throws Exception {
        RawClient sub = new RawClient(port);
        stopSubscriber = false;
        assertThat(sub.connect(connect("crash-sub", false)).sessionPresent()).isEqualTo(!subscribe);
        if (subscribe) {
            sub.send(new Subscribe(1, List.of(new Subscription(TOPIC, 2, false, false, 0)), MqttProperties.EMPTY));
            sub.receive(SubAck.class);
        }
        Thread subscriber = Threads.start(() -> receive(sub));
        RawClient pub = new RawClient(port);
        pub.connect(connect("crash-pub", true));
        int before = acknowledged.size();
        Thread publisher = Threads.start(() -> publish(pub));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= before + 300);
        } finally {
            broker.kill(); // SIGKILL, mid-stream
            publisher.join(10_000);
            subscriber.join(10_000);
            pub.close();
            sub.close();
        }
    }

    /** The publisher: QoS 1 and 2 in turn, every tenth message also retained; records what was acknowledged. */
    private void publish(RawClient pub) {
        try {
            while (true) {
                long n = next++;
                int qos = n % 2 == 0 ? 2 : 1;
                boolean retain = n % 10 == 0;
                int packetId = (int) (n % 65535) + 1;
                pub.send(new Publish(retain ? RETAINED : TOPIC, qos, retain, false, packetId, MqttProperties.EMPTY,
                        Unpooled.wrappedBuffer(Long.toString(n).getBytes(StandardCharsets.UTF_8))));
                MqttPacket ack = pub.receive(Duration.ofSeconds(10));
                if (qos == 1 && ack instanceof PubAck) {
                    acknowledged(n, qos, retain);
                } else if (qos == 2 && ack instanceof PubRec) {
                    acknowledged(n, qos, retain);
                    pub.send(new PubRel(packetId));
                    pub.receive(Duration.ofSeconds(10)); // PUBCOMP
                } else {
                    return;
                }
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            // The broker was killed: what was acknowledged is recorded.
        }
    }

    private void acknowledged(long n, int qos, boolean retain) {
        if (retain) {
            lastRetainedAcked.accumulateAndGet(n, Math::max);
        } else {
            acknowledged.put(n, qos);
        }
    }

    /** The subscriber, with the client's half of exactly once: a QoS 2 identifier is delivered once until PUBREL. */
    private void receive(RawClient sub) {
        try {
            while (!stopSubscriber) {
                MqttPacket packet = sub.poll(Duration.ofMillis(100));
                if (packet instanceof Publish p) {
                    long n = Long.parseLong(p.payload().toString(StandardCharsets.UTF_8));
                    p.release();
                    if (p.qos() == 1) {
                        received.add(n);
                        sub.send(new PubAck(p.packetId()));
                    } else if (p.qos() == 2) {
                        if (unreleased.add(p.packetId())) {
                            received.add(n);
                        }
                        sub.send(new PubRec(p.packetId()));
                    }
                } else if (packet instanceof PubRel r) {
                    unreleased.remove(r.packetId());
                    sub.send(new PubComp(r.packetId()));
                } else if (packet != null && !(packet instanceof SubAck)) { // null: nothing within the poll
                    throw new AssertionError("unexpected " + packet);
                }
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            // The broker was killed.
        }
    }

    private void drainSubscriber(int port) throws Exception {
        try (RawClient sub = new RawClient(port)) {
            assertThat(sub.connect(connect("crash-sub", false)).sessionPresent()).isTrue();
            Thread subscriber = Threads.start(() -> receive(sub));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> new HashSet<>(received).containsAll(
                        acknowledged.keySet()));
            } finally {
                stopSubscriber = true;
                subscriber.join(10_000);
            }
        }
    }

    private void checkRetained(int port) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.connect(connect("crash-retained", true));
            c.send(new Subscribe(1, List.of(new Subscription(RETAINED, 0, false, false, 0)), MqttProperties.EMPTY));
            c.receive(SubAck.class);
            Publish p = c.receive(Publish.class);
            long n = Long.parseLong(p.payload().toString(StandardCharsets.UTF_8));
            p.release();
            // A retained message published after it may have been stored without its acknowledgement arriving.
            assertThat(n).isGreaterThanOrEqualTo(lastRetainedAcked.get());
        }
    }

    private void verifyDeliveries() {
        System.out.printf("crash test: %d messages acknowledged over %d kills, %d deliveries%n", acknowledged.size(),
                KILLS, received.size());
        assertThat(lastRetainedAcked.get()).isPositive();
        Map<Long, Integer> times = new HashMap<>();
        List<Long> firsts = new ArrayList<>();
        for (long n : received) {
            if (times.merge(n, 1, Integer::sum) == 1) {
                firsts.add(n);
            }
        }
        acknowledged.forEach((n, qos) -> {
            assertThat(times.getOrDefault(n, 0)).as("deliveries of acknowledged message %d (QoS %d)", n, qos)
                    .isGreaterThanOrEqualTo(1);
        });
        times.forEach((n, count) -> {
            if (n % 2 == 0) {
                assertThat(count).as("QoS 2 message %d delivered exactly once", n).isEqualTo(1);
            }
        });
        assertThat(firsts).as("first deliveries in publication order").isSorted();
    }
}
