package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The session registry across a restart of the whole cluster, and sessions moving while messages stream, on
 * {@link ClusterTest}'s cluster (a nested class there, so that no second cluster is started). Node indexes are
 * 0-based: node 1 is index 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ClusterRegistryCases {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LONG = Duration.ofSeconds(60);

    abstract ClusterNodes nodes();

    @BeforeAll
    void everyNodeUp() {
        for (int i = 0; i < 3; i++) {
            if (!nodes().isAlive(i)) {
                nodes().start(i);
            }
        }
    }

    private static Connect connect5(String clientId, boolean cleanStart, Will will) {
        return new Connect(MqttVersion.MQTT_5, clientId, cleanStart, 60, null, null, will,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600).build());
    }

    private static void subscribe(RawClient c, String filter, int qos) throws Exception {
        c.send(new Subscribe(1, List.of(new Subscription(filter, qos)), MqttProperties.EMPTY));
        c.receive(SubAck.class);
    }

    private org.eclipse.paho.client.mqttv3.MqttClient paho(int node, String id) throws Exception {
        return new org.eclipse.paho.client.mqttv3.MqttClient(nodes().url(node), id, new MemoryPersistence());
    }

    private static MqttConnectOptions persistent() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setMaxInflight(1000);
        return o;
    }

    private void publish(int node, String id, String topic, int count) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient pub = paho(node, id);
        pub.connect();
        for (int i = 0; i < count; i++) {
            pub.publish(topic + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        pub.disconnect();
        pub.close();
    }

    private int clientStatus(int node, String clientId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes().httpPort(node)
                + "/api/v1/clients/" + clientId)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A Paho callback that collects "topic payload" lines. */
    private static final class Lines implements MqttCallback {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            lines.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    /** A Paho callback that keeps each payload with its DUP flag, in arrival order, across the client's moves. */
    private static final class Arrivals implements MqttCallback {
        final List<String> payloads = new CopyOnWriteArrayList<>();
        final List<Boolean> dup = new CopyOnWriteArrayList<>();

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public synchronized void messageArrived(String topic, MqttMessage message) {
            payloads.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            dup.add(message.isDuplicate());
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    @Test
    @Order(1)
    @DisplayName("The move window: publishers on node 3 stream QoS 1 and QoS 2 while a persistent subscriber of each "
            + "moves between nodes 1 and 2 six times (Paho taken over, a raw QoS 2 client that leaves and comes back); "
            + "every acknowledged message arrives, first arrivals in the order published (MQTT 4.6), the subscribers "
            + "keep their sessions (Session Present 1, MQTT-3.2.2-2); QoS 2 exactly once (MQTT-4.3.3), QoS 1 again "
            + "only with DUP (MQTT-3.3.1-1): the copies of the switch's milliseconds are told apart, and so are those "
            + "a node still routed to the new node, where the session lived a moment before")
    void nothingFallsBetweenTheCopiesOfAMovingSession() throws Exception {
        Arrivals arrivals = new Arrivals();
        org.eclipse.paho.client.mqttv3.MqttClient sub = paho(0, "win-sub");
        sub.setCallback(arrivals);
        sub.connect(persistent());
        sub.subscribe("win/#", 1);
        RawQos2Subscriber sub2 = new RawQos2Subscriber(nodes().mqttPort(0), "win-sub2", "win2/#");
        sub2.start();
        await().atMost(LONG).until(sub2::connected);
        // Every acknowledged message counts from the first: node 3 must route both filters to node 1 before its
        // publishers start (the route table is Hazelcast's, and a write of it once took 5 s in CI).
        await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> nodes().routes(2, 0, "win/#")
                && nodes().routes(2, 0, "win2/#"));

        AtomicInteger acknowledged = new AtomicInteger();
        AtomicInteger acknowledged2 = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        org.eclipse.paho.client.mqttv3.MqttClient pub = paho(2, "win-pub");
        MqttConnectOptions pubOptions = new MqttConnectOptions();
        // One in flight at a time (each publish waits for its acknowledgement), but Paho counts a completed one out
        // only once its callback thread got to it, which on a loaded machine can lag several behind.
        pubOptions.setMaxInflight(1000);
        pub.connect(pubOptions);
        Thread publisher = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    pub.publish("win/s", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
                    acknowledged.incrementAndGet(); // the synchronous client returns once PUBACK came
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "win-publisher");
        org.eclipse.paho.client.mqttv3.MqttClient pub2 = paho(2, "win-pub2");
        pub2.connect(pubOptions);
        Thread publisher2 = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    pub2.publish("win2/s", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 2, false);
                    acknowledged2.incrementAndGet(); // once PUBCOMP came
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "win-publisher-2");
        publisher.start();
        publisher2.start();
        await().atMost(LONG).until(() -> arrivals.payloads.size() > 20 && sub2.received().size() > 20);

        int moves = Integer.getInteger("midge.test.moves", 6); // more for a loop that hunts a rare fault
        List<Long> connAckMillis = new ArrayList<>();
        for (int m = 0; m < moves; m++) {
            int before = arrivals.payloads.size();
            int before2 = sub2.received().size();
            sub2.moveTo(nodes().mqttPort(m % 2 == 0 ? 1 : 0));
            org.eclipse.paho.client.mqttv3.MqttClient next = paho(m % 2 == 0 ? 1 : 0, "win-sub");
            next.setCallback(arrivals);
            long start = System.nanoTime();
            assertThat(PahoTakeover.connect(next, persistent(), LONG)).as("Session Present, move %d", m + 1).isTrue();
            connAckMillis.add((System.nanoTime() - start) / 1_000_000);
            try {
                sub.disconnectForcibly(100, 100);
            } catch (Exception e) {
                // taken over: the node closed it already
            }
            sub.close(true);
            sub = next;
            await().atMost(LONG).until(() -> arrivals.payloads.size() > before + 20
                    && sub2.received().size() > before2 + 20);
        }
        stop.set(true);
        publisher.join(30_000);
        publisher2.join(30_000);
        int n = acknowledged.get();
        int n2 = acknowledged2.get();
        await().atMost(LONG).untilAsserted(() -> assertThat(new java.util.HashSet<>(arrivals.payloads))
                .as("every acknowledged message").containsAll(IntStream.range(0, n).mapToObj(Integer::toString)
                        .toList()));
        try {
            await().atMost(LONG).untilAsserted(() -> assertThat(new java.util.HashSet<>(sub2.received()))
                    .as("every acknowledged QoS 2 message").containsAll(LongStream.range(0, n2).boxed().toList()));
        } catch (AssertionError | RuntimeException e) {
            System.out.println("QoS 2 subscriber's events:\n" + String.join("\n", sub2.events()));
            // CI shows the failure's message only: what the subscriber saw around the first messages missing.
            java.util.Set<Long> got = new java.util.HashSet<>(sub2.received());
            List<Long> missing = LongStream.range(0, n2).filter(i -> !got.contains(i)).limit(3).boxed().toList();
            AssertionError explained = new AssertionError(e.getMessage() + "\n-- the QoS 2 subscriber around "
                    + missing + ":\n" + String.join("\n", sub2.eventsAround(missing, 4)), e);
            explained.setStackTrace(e.getStackTrace());
            throw explained;
        }
        sub.disconnect();
        sub.close();
        sub2.stop();
        pub.disconnect();
        pub.close();
        pub2.disconnect();
        pub2.close();

        List<String> firsts = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int duplicates = 0;
        int withoutDup = 0;
        for (int i = 0; i < arrivals.payloads.size(); i++) {
            String p = arrivals.payloads.get(i);
            if (seen.add(p)) {
                firsts.add(p);
            } else {
                duplicates++;
                if (!arrivals.dup.get(i)) {
                    withoutDup++;
                }
            }
        }
        List<Long> received2 = List.copyOf(sub2.received());
        long duplicates2 = received2.size() - received2.stream().distinct().count();
        System.out.printf("cluster move window: %d moves, QoS 1: %d acknowledged, %d received, %d duplicates (%d "
                + "without DUP); QoS 2: %d acknowledged, %d received, %d duplicates; CONNECT to CONNACK per move %s "
                + "ms%n", moves, n, arrivals.payloads.size(), duplicates, withoutDup, n2, received2.size(), duplicates2,
                connAckMillis);
        List<String> published = IntStream.range(0, firsts.size()).mapToObj(Integer::toString).toList();
        assertThat(firsts).as("first arrivals in the order published").isEqualTo(published);
        assertThat(firsts.size()).isGreaterThanOrEqualTo(n);
        assertThat(withoutDup).as("QoS 1 received again without DUP").isZero();
        assertThat(sub2.errors()).isEmpty();
        if (duplicates2 > 0 || !received2.equals(LongStream.range(0, received2.size()).boxed().toList())) {
            System.out.println("QoS 2 subscriber's events:\n" + String.join("\n", sub2.events()));
        }
        assertThat(received2).as("QoS 2: exactly once, in the order published")
                .isEqualTo(LongStream.range(0, received2.size()).boxed().toList());
        assertThat(received2.size()).isGreaterThanOrEqualTo(n2);
    }

    @Test
    @Order(2)
    @DisplayName("Whole-cluster restart: node 3, killed (SIGKILL) holding a session that a clean start then took to "
            + "node 1 under a higher epoch, starts first and reclaims its stale copy; node 1's stored epoch wins "
            + "when it starts, node 3 drops its copy without publishing its will (MQTT-3.1.3-9: the session went on), "
            + "and the client gets node 1's session (Session Present 1, MQTT-3.2.2-2) with its queue")
    void wholeClusterRestartKeepsTheHighestEpoch() throws Exception {
        // Someone who would see the stale copy's will: a persistent session on node 2.
        Lines watched = new Lines();
        org.eclipse.paho.client.mqttv3.MqttClient watch = paho(1, "reg-watch");
        watch.setCallback(watched);
        watch.connect(persistent());
        watch.subscribe("reg/will", 1);
        watch.disconnect();
        watch.close();

        // The session on node 3, offline with a queue and a will waiting for its delay (still waiting when node 3
        // comes back), when node 3 is killed.
        Will will = new Will("reg/will", Binary.utf8("stale"), 1, false,
                MqttProperties.builder().add(PropertyId.WILL_DELAY_INTERVAL, 600).build());
        try (RawClient onNode3 = new RawClient(nodes().mqttPort(2))) {
            assertThat(onNode3.connect(connect5("reg-1", true, will)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            subscribe(onNode3, "reg/old/#", 1);
        } // closed without DISCONNECT: the will waits for its delay
        publish(2, "reg-1-pub", "reg/old/q", 3);
        nodes().kill(2);

        // A clean start on node 1 takes the session under a higher epoch; messages queue for it there.
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (RawClient c = new RawClient(nodes().mqttPort(0))) {
                assertThat(c.connAck(connect5("reg-1", true, null)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                subscribe(c, "reg/new/#", 1);
                c.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
            }
        });
        publish(0, "reg-1-pub2", "reg/new/q", 2);

        // The whole cluster stops; the stale node starts first, alone, and reclaims what it has.
        nodes().stopTogether(0, 1);
        nodes().start(2);
        assertThat(clientStatus(2, "reg-1")).as("node 3, alone, reclaimed its copy").isEqualTo(200);
        nodes().startTogether(0, 1);
        await().atMost(LONG).untilAsserted(() -> assertThat(clientStatus(2, "reg-1"))
                .as("node 3's stale copy dropped once node 1 reclaimed the newer one").isEqualTo(404));
        assertThat(nodes().log(2)).contains("Session of 'reg-1' belongs to node 'node1'");

        Lines back = new Lines();
        org.eclipse.paho.client.mqttv3.MqttClient client = paho(1, "reg-1");
        client.setCallback(back);
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> client.connectWithResult(persistent()).getSessionPresent());
        await().atMost(LONG).untilAsserted(() -> assertThat(back.lines)
                .containsExactly("reg/new/q0 0", "reg/new/q1 1"));
        assertThat(back.lines).as("the stale queue").noneMatch(l -> l.startsWith("reg/old"));
        client.disconnect();
        client.close();

        // The watcher's queue: what node 3 published after its restart comes after a will it published, in order.
        Lines later = new Lines();
        org.eclipse.paho.client.mqttv3.MqttClient watchAgain = paho(1, "reg-watch");
        watchAgain.setCallback(later);
        watchAgain.connect(persistent());
        org.eclipse.paho.client.mqttv3.MqttClient marker = paho(2, "reg-marker");
        marker.connect();
        await().atMost(LONG).pollInterval(Duration.ofMillis(300)).until(() -> {
            marker.publish("reg/will", "marker".getBytes(StandardCharsets.UTF_8), 1, false);
            return later.lines.contains("reg/will marker");
        });
        marker.disconnect();
        marker.close();
        assertThat(later.lines).as("no will of the stale copy").doesNotContain("reg/will stale");
        watchAgain.disconnect();
        watchAgain.close();
    }
}
