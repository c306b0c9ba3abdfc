package io.midge.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.ChildBroker;
import io.midge.broker.testing.Threads;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker with a 96 MiB heap (and as much direct memory) and queue bounds far beyond it, flooded by publishers at
 * QoS 0 and 1 towards a subscriber that reads slowly: only the overload policy keeps it from running out of memory.
 * It must stay up, answer PINGREQ and new CONNECTs throughout, drop QoS 0 and count it, slow the QoS 1 publishers
 * down (3.1.1) or refuse them with 0x97 (5.0, last resort), and deliver every QoS 1 message it acknowledged.
 */
class OverloadFloodTest {
    private static final int PAYLOAD = 4096;
    private static final Duration FLOOD = Duration.ofSeconds(8);

    @TempDir
    Path temp;

    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean flooding = true;
    private volatile boolean readSlowly = true;
    private volatile boolean reading = true;

    @Test
    @DisplayName("Flooded at QoS 0 and 1 far beyond its 96 MiB, the broker stays up without OutOfMemoryError, "
            + "answers PINGREQ (MQTT-3.12.4-1) and CONNECT throughout, drops QoS 0 and pauses publishers, counting "
            + "both, and delivers every QoS 1 message it acknowledged (MQTT-4.3.2)")
    void aFloodedBrokerStaysUpAndKeepsItsPromises() throws Exception {
        ChildBroker broker = ChildBroker.start(temp, "broker", List.of("-Xmx96m"), OverloadBroker.class);
        List<RawClient> clients = new ArrayList<>();
        try {
            int[] ports = broker.ports();
            int port = ports[0];
            RawClient subscriber = RawClient.connected(port, TestPackets.connect(MqttVersion.MQTT_3_1_1, "slow"));
            clients.add(subscriber);
            subscriber.send(new Subscribe(1, List.of(new Subscription("flood/#", 1)), MqttProperties.EMPTY));
            subscriber.receive(SubAck.class);
            Thread reader = Threads.startDaemon(() -> read(subscriber));
            RawClient idle = RawClient.connected(port, TestPackets.connect(MqttVersion.MQTT_3_1_1, "idle", true, 60));
            clients.add(idle);

            List<Thread> publishers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RawClient c = RawClient.connected(port, TestPackets.connect(MqttVersion.MQTT_3_1_1, "q0-" + i));
                clients.add(c);
                String topic = "flood/q0-" + i;
                publishers.add(Threads.startDaemon(() -> floodQos0(c, topic)));
            }
            for (int i = 0; i < 3; i++) {
                MqttVersion version = i < 2 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_5;
                String name = (i < 2 ? "q1-" : "q1v5-") + i;
                RawClient c = RawClient.connected(port, TestPackets.connect(version, name, true, 60));
                clients.add(c);
                publishers.add(Threads.startDaemon(() -> floodQos1(c, name)));
            }

            // While the flood lasts: an idle client's PINGREQ and a new client's CONNECT, every half second.
            long maxPing = 0;
            long maxConnect = 0;
            int probes = 0;
            long end = System.nanoTime() + FLOOD.toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(500); // pacing the probes, not waiting for a condition
                long t = System.nanoTime();
                idle.send(PingReq.INSTANCE);
                idle.receive(PingResp.class);
                maxPing = Math.max(maxPing, System.nanoTime() - t);
                t = System.nanoTime();
                try (RawClient newcomer = new RawClient(port)) {
                    newcomer.connect("probe-" + probes);
                }
                maxConnect = Math.max(maxConnect, System.nanoTime() - t);
                probes++;
            }
            String during = metrics(ports[1]);

            flooding = false;
            for (RawClient c : clients.subList(2, clients.size())) {
                c.close();
            }
            for (Thread t : publishers) {
                t.join(20_000);
            }
            readSlowly = false;
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                    .until(() -> delivered.containsAll(acknowledged));
            reading = false;
            reader.join(10_000);
            String after = metrics(ports[1]);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(value(metrics(ports[1]), "midge_overload_active", null))
                            .as("no measure left once the queue drained").isZero());

            String output = broker.output();
            System.out.printf("overload flood: %d probes, PINGREQ answered within %d ms at most, CONNECT within %d ms;"
                    + " QoS 1 acknowledged %d, refused (0x97) %d, delivered %d; QoS 0 dropped for overload %.0f; "
                    + "pauses %.0f; queue_full drops %.0f; heap after GC %.1f MiB, memory %.0f %% during the flood%n",
                    probes, TimeUnit.NANOSECONDS.toMillis(maxPing), TimeUnit.NANOSECONDS.toMillis(maxConnect),
                    acknowledged.size(), refused.size(), delivered.size(),
                    value(after, "midge_messages_dropped_total", "reason=\"overload\""),
                    value(after, "midge_overload_pauses_total", null),
                    value(after, "midge_messages_dropped_total", "reason=\"queue_full\""),
                    value(during, "midge_overload_heap_after_gc_bytes", null) / (1 << 20),
                    value(during, "midge_overload_memory", null));
            output.lines().filter(l -> l.contains("Overload") || l.contains("overloaded") || l.contains("Memory at"))
                    .limit(20).forEach(l -> System.out.println("  broker: " + l));

            assertThat(output).doesNotContain("OutOfMemoryError");
            assertThat(broker.process().isAlive()).isTrue();
            assertThat(failure.get()).as("a publisher or the subscriber failed").isNull();
            assertThat(probes).isGreaterThanOrEqualTo(5);
            assertThat(value(after, "midge_messages_dropped_total", "reason=\"overload\"")).isPositive();
            assertThat(value(after, "midge_overload_pauses_total", null)).isPositive();
            assertThat(acknowledged).isNotEmpty();
            assertThat(delivered).containsAll(acknowledged);
            Set<String> refusedButDelivered = new HashSet<>(refused);
            refusedButDelivered.retainAll(delivered);
            assertThat(refusedButDelivered).as("refused with 0x97, yet delivered").isEmpty();
        } finally {
            flooding = false;
            reading = false;
            for (RawClient c : clients) {
                c.close();
            }
            broker.kill();
        }
    }

    /** QoS 0 publishes as fast as the socket takes them: 16 of 4 KiB encoded once, written again and again. */
    private void floodQos0(RawClient c, String topic) {
        byte[] batch = encode(MqttVersion.MQTT_3_1_1, topic, 0, 0, "q0");
        byte[] sixteen = new byte[batch.length * 16];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(batch, 0, sixteen, i * batch.length, batch.length);
        }
        try {
            while (flooding) {
                c.send(sixteen);
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    /**
     * QoS 1 publishes, 16 at a time, each with an identity in its payload; records which the broker acknowledged and
     * which it refused (0x97, 5.0 only).
     */
    private void floodQos1(RawClient c, String name) {
        MqttVersion version = name.startsWith("q1v5") ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
        long seq = 0;
        try {
            while (flooding) {
                Map<Integer, String> ids = new HashMap<>();
                byte[][] packets = new byte[16][];
                for (int i = 0; i < 16; i++) {
                    int packetId = (int) (seq % 65535) + 1;
                    ids.put(packetId, name + "-" + seq);
                    packets[i] = encode(version, "flood/" + name, 1, packetId, ids.get(packetId));
                    seq++;
                }
                c.send(concat(packets));
                for (int i = 0; i < 16; i++) {
                    // A pause lasts up to 10 s (half the keep-alive, at most 10 s): wait longer than that.
                    MqttPacket ack = c.receive(Duration.ofSeconds(25));
                    PubAck pubAck = (PubAck) ack;
                    String id = ids.get(pubAck.packetId());
                    if (pubAck.reasonCode() == ReasonCode.SUCCESS) {
                        acknowledged.add(id);
                    } else {
                        assertThat(pubAck.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
                        refused.add(id);
                    }
                }
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            failed(e);
        }
    }

    /** The subscriber: a few hundred messages a second while the flood lasts, then as fast as it can. */
    private void read(RawClient subscriber) {
        try {
            while (reading) {
                MqttPacket p = subscriber.poll(Duration.ofMillis(200));
                if (p instanceof Publish publish) {
                    try {
                        if (publish.qos() == 1) {
                            delivered.add(idOf(publish));
                            subscriber.send(new PubAck(publish.packetId()));
                        }
                    } finally {
                        publish.release();
                    }
                    if (readSlowly) {
                        Thread.sleep(2); // the slow subscriber's pace
                    }
                }
            }
        } catch (IOException | RuntimeException | AssertionError | InterruptedException e) {
            if (reading) {
                failure.compareAndSet(null, e);
            }
        }
    }

    private void failed(Throwable e) {
        if (flooding) {
            failure.compareAndSet(null, e);
        }
    }

    private static String idOf(Publish p) {
        ByteBuf payload = p.payload();
        int end = payload.indexOf(payload.readerIndex(), payload.writerIndex(), (byte) ' ');
        return payload.toString(payload.readerIndex(), end - payload.readerIndex(), StandardCharsets.US_ASCII);
    }

    /** A PUBLISH of PAYLOAD bytes, starting with its identity and a space. */
    private static byte[] encode(MqttVersion version, String topic, int qos, int packetId, String id) {
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) ' ');
        byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(idBytes, 0, payload, 0, idBytes.length);
        ByteBuf encoded = MqttEncoder.encode(ByteBufAllocator.DEFAULT, TestPackets.publish(topic, qos, packetId,
                payload), version);
        try {
            return ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
    }

    private static byte[] concat(byte[][] parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static String metrics(int httpPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The sum of a metric's samples whose labels contain {@code labels} (all of them when null). */
    private static double value(String metrics, String name, String labels) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " "))
                    && (labels == null || line.contains(labels))) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
