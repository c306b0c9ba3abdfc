package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
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
 * Sessions across the nodes of {@link ClusterTest}'s cluster (run there, as a nested class, after its own tests, so
 * that no second cluster is started): takeover with its state, clean start, an owner that is down, and a stale owner
 * that comes back. Node indexes are 0-based: node 1 is index 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ClusterSessionCases {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LONG = Duration.ofSeconds(45);

    abstract ClusterNodes nodes();

    @BeforeAll
    void everyNodeUp() {
        for (int i = 0; i < 3; i++) {
            if (!nodes().isAlive(i)) {
                nodes().start(i);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Connect connect5(String clientId, boolean cleanStart, int receiveMaximum) {
        MqttProperties.Builder props = MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600);
        if (receiveMaximum > 0) {
            props.add(PropertyId.RECEIVE_MAXIMUM, receiveMaximum);
        }
        return new Connect(MqttVersion.MQTT_5, clientId, cleanStart, 60, null, null, null, props.build());
    }

    private static Connect connect311(String clientId, boolean cleanSession) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, cleanSession, 60, null, null, null,
                MqttProperties.EMPTY);
    }

    private static void subscribe(RawClient c, String filter, int qos) throws Exception {
        c.send(new Subscribe(1, List.of(new Subscription(filter, qos)), MqttProperties.EMPTY));
        c.receive(SubAck.class);
    }

    private static String text(Publish p) {
        String s = p.payload().toString(StandardCharsets.UTF_8);
        p.release();
        return s;
    }

    private org.eclipse.paho.client.mqttv3.MqttClient paho(int node, String id) throws MqttException {
        return new org.eclipse.paho.client.mqttv3.MqttClient(nodes().url(node), id, new MemoryPersistence());
    }

    private static MqttConnectOptions persistent() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setMaxInflight(1000);
        return o;
    }

    /** A Paho client that collects the payloads it gets, and whether its connection was lost. */
    private static final class Collecting implements MqttCallback {
        final List<String> payloads = new CopyOnWriteArrayList<>();
        final AtomicBoolean lost = new AtomicBoolean();

        @Override
        public void connectionLost(Throwable cause) {
            lost.set(true);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            payloads.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    private void publish(int node, String id, String topic, int qos, int count) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient pub = paho(node, id);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMaxInflight(1000);
        pub.connect(o);
        for (int i = 0; i < count; i++) {
            pub.publish(topic + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8), qos, false);
        }
        pub.disconnect();
        pub.close();
    }

    /** Publishes probes from {@code node} until the collector got one: the collector's route reached that node. */
    private void probeUntilReceived(int node, String id, String topic, List<String> received) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient pub = paho(node, id);
        pub.connect();
        try {
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> {
                pub.publish(topic, "probe".getBytes(StandardCharsets.UTF_8), 1, false);
                return received.stream().anyMatch(l -> l.startsWith(topic));
            });
        } finally {
            pub.disconnect();
            pub.close();
        }
    }

    private int clientStatus(int node, String clientId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes().httpPort(node)
                + "/api/v1/clients/" + clientId)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    // ------------------------------------------------------------------ the cases

    @Test
    @Order(1)
    @DisplayName("5.0 takeover across nodes: the old connection on node 1 gets DISCONNECT 0x8E (MQTT-3.1.4-3), the "
            + "HiveMQ client on node 2 Session Present 1 (MQTT-3.2.2-2), then the in-flight messages again (DUP) and "
            + "the queued ones in order, the QoS 2 already received only completed (MQTT-4.4.0-1, MQTT-4.3.3-*), "
            + "and its subscription keeps working from node 3, each QoS 2 message exactly once")
    void takeoverMqtt5() throws Exception {
        List<String> hive = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("move-5")
                .serverHost("127.0.0.1").serverPort(nodes().mqttPort(1)).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> hive.add(p.getTopic() + " "
                + StandardCharsets.UTF_8.decode(p.getPayload().get())));
        org.eclipse.paho.client.mqttv3.MqttClient pub = paho(0, "move-5-pub");
        pub.connect();
        try (RawClient old = new RawClient(nodes().mqttPort(0))) {
            assertThat(old.connect(connect5("move-5", false, 3)).sessionPresent()).isFalse();
            subscribe(old, "move5/#", 2);
            // Three in flight (the receive maximum): a QoS 1 unacknowledged, a QoS 2 received (PUBREC, PUBREL, no
            // PUBCOMP yet), a QoS 2 unacknowledged; seven more queued behind them.
            pub.publish("move5/m1", "1".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(text(old.receive(Publish.class))).isEqualTo("1");
            pub.publish("move5/m2", "2".getBytes(StandardCharsets.UTF_8), 2, false);
            Publish p2 = old.receive(Publish.class);
            assertThat(text(p2)).isEqualTo("2");
            old.send(new PubRec(p2.packetId()));
            old.receive(PubRel.class);
            pub.publish("move5/m3", "3".getBytes(StandardCharsets.UTF_8), 2, false);
            assertThat(text(old.receive(Publish.class))).isEqualTo("3");
            for (int i = 4; i <= 10; i++) {
                pub.publish("move5/m" + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8), i % 2 + 1, false);
            }
            assertThat(old.poll(Duration.ofMillis(300))).as("nothing beyond the receive maximum").isNull();

            long start = System.nanoTime();
            Mqtt5ConnAck ack = client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send()
                    .get(30, TimeUnit.SECONDS);
            System.out.printf("cluster takeover: CONNECT to CONNACK %.1f ms (session with 3 in flight, 7 queued)%n",
                    (System.nanoTime() - start) / 1e6);
            assertThat(ack.isSessionPresent()).as("Session Present on node 2").isTrue();
            List<MqttPacket> last = old.awaitClose(Duration.ofSeconds(10));
            assertThat(last).anySatisfy(p -> assertThat(p).isInstanceOfSatisfying(Disconnect.class,
                    d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER)));
        } finally {
            pub.disconnect();
            pub.close();
        }
        List<String> expected = new ArrayList<>(List.of("move5/m1 1", "move5/m3 3"));
        IntStream.rangeClosed(4, 10).forEach(i -> expected.add("move5/m" + i + " " + i));
        await().atMost(LONG).untilAsserted(() -> assertThat(hive).containsExactlyElementsOf(expected));

        probeUntilReceived(2, "move-5-probe", "move5/probe", hive);
        publish(2, "move-5-pub3", "move5/after/", 2, 20);
        await().atMost(LONG).untilAsserted(() -> assertThat(hive.stream().filter(l -> l.startsWith("move5/after/")))
                .hasSize(20));
        assertThat(hive.stream().filter(l -> !l.startsWith("move5/probe")).toList()).doesNotHaveDuplicates();
        assertThat(clientStatus(0, "move-5")).as("node 1 no longer holds the session").isEqualTo(404);
        client.disconnect().get(10, TimeUnit.SECONDS);
    }

    @Test
    @Order(2)
    @DisplayName("A clean client's CONNECT on a cluster node asks the session registry and answers at once "
            + "(the time it takes is printed)")
    void connectTime() throws Exception {
        int n = 50;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (RawClient c = new RawClient(nodes().mqttPort(1))) {
                assertThat(c.connect(connect311("timed-" + i, true)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            }
        }
        System.out.printf("cluster connect: %.2f ms per clean CONNECT to CONNACK (%d sequential, node 2)%n",
                (System.nanoTime() - start) / 1e6 / n, n);
    }

    @Test
    @Order(3)
    @DisplayName("3.1.1 takeover across nodes (Paho): an offline session with queued messages moves from node 2 to "
            + "node 3 (Session Present 1, MQTT-3.2.2-2), then from node 3's live connection, which is closed "
            + "(MQTT-3.1.4-2), to node 1; the subscription keeps working")
    void takeoverMqtt311() throws Exception {
        Collecting first = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient onNode2 = paho(1, "move-3");
        onNode2.setCallback(first);
        onNode2.connect(persistent());
        onNode2.subscribe("move3/#", 1);
        onNode2.disconnect();
        onNode2.close();
        publish(1, "move-3-pub", "move3/q", 1, 10);

        Collecting second = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient onNode3 = paho(2, "move-3");
        onNode3.setCallback(second);
        assertThat(PahoTakeover.connect(onNode3, persistent(), LONG)).as("Session Present on node 3").isTrue();
        List<String> queued = IntStream.range(0, 10).mapToObj(i -> "move3/q" + i + " " + i).toList();
        await().atMost(LONG).untilAsserted(() -> assertThat(second.payloads).containsExactlyElementsOf(queued));

        Collecting third = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient onNode1 = paho(0, "move-3");
        onNode1.setCallback(third);
        assertThat(PahoTakeover.connect(onNode1, persistent(), LONG)).as("Session Present on node 1").isTrue();
        await().atMost(LONG).untilTrue(second.lost);
        onNode3.close(true);
        probeUntilReceived(1, "move-3-probe", "move3/probe", third.payloads);
        publish(1, "move-3-pub2", "move3/later", 1, 10);
        await().atMost(LONG).untilAsserted(() -> assertThat(third.payloads.stream()
                .filter(l -> l.startsWith("move3/later"))).hasSize(10));
        assertThat(third.payloads).noneMatch(l -> l.startsWith("move3/q")); // delivered on node 3 already
        onNode1.disconnect();
        onNode1.close();
    }

    @Test
    @Order(4)
    @DisplayName("Clean Start 1 on node 2 for a session held by node 1: node 1 discards it with its queue "
            + "(MQTT-3.1.2-4); Session Present 0 (MQTT-3.2.2-1)")
    void cleanStartDiscardsTheRemoteSession() throws Exception {
        try (RawClient onNode1 = new RawClient(nodes().mqttPort(0))) {
            onNode1.connect(connect5("clean-1", false, 0));
            subscribe(onNode1, "clean/#", 1);
            onNode1.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
        }
        publish(0, "clean-1-pub", "clean/q", 1, 3);
        try (RawClient onNode2 = new RawClient(nodes().mqttPort(1))) {
            assertThat(onNode2.connect(connect5("clean-1", true, 0)).sessionPresent()).isFalse();
            onNode2.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
        }
        assertThat(clientStatus(0, "clean-1")).as("node 1 discarded its session").isEqualTo(404);
        try (RawClient back = new RawClient(nodes().mqttPort(0))) {
            assertThat(back.connect(connect5("clean-1", false, 0)).sessionPresent())
                    .as("node 2's empty session, moved to node 1").isTrue();
            assertThat(back.poll(Duration.ofMillis(500))).as("nothing of the discarded queue").isNull();
        }
    }

    @Test
    @Order(5)
    @DisplayName("Owner down: a persistent session on killed node 3 is refused elsewhere with 0x9C Use another server "
            + "naming node3 (MQTT 5.0 4.11; 3.1.1: return code 3), so nothing queued there is lost; once node 3 is "
            + "back the session moves with its queue (Session Present 1)")
    void ownerDownIsRefusedUntilItIsBack() throws Exception {
        Collecting before = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient onNode3 = paho(2, "down-1");
        onNode3.setCallback(before);
        onNode3.connect(persistent());
        onNode3.subscribe("down/#", 1);
        onNode3.disconnect();
        onNode3.close();
        publish(2, "down-1-pub", "down/q", 1, 5);
        nodes().kill(2);

        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (RawClient c = new RawClient(nodes().mqttPort(0))) {
                ConnAck refused = c.connAck(connect5("down-1", false, 0));
                assertThat(refused.reasonCode()).isEqualTo(ReasonCode.USE_ANOTHER_SERVER);
                assertThat(refused.properties().string(PropertyId.SERVER_REFERENCE)).isEqualTo("node3");
            }
        });
        try (RawClient v3 = new RawClient(nodes().mqttPort(1))) {
            assertThat(v3.connAck(connect311("down-1", false)).reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
        }
        try (RawClient clean = new RawClient(nodes().mqttPort(1))) {
            assertThat(clean.connAck(connect311("down-other", true)).reasonCode()).as("other clients are served")
                    .isEqualTo(ReasonCode.SUCCESS);
        }

        nodes().start(2);
        Collecting after = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient onNode1 = paho(0, "down-1");
        onNode1.setCallback(after);
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> onNode1.connectWithResult(persistent()).getSessionPresent());
        List<String> queued = IntStream.range(0, 5).mapToObj(i -> "down/q" + i + " " + i).toList();
        await().atMost(LONG).untilAsserted(() -> assertThat(after.payloads).containsExactlyElementsOf(queued));
        onNode1.disconnect();
        onNode1.close();
    }

    @Test
    @Order(6)
    @DisplayName("Fencing: node 3 killed (SIGKILL) holding a session that a clean start then took to node 1; back on "
            + "its data directory, node 3 drops its stale copy (its queue is not resurrected) and a client there gets "
            + "node 1's session (Session Present 1)")
    void staleOwnerComingBackDropsItsCopy() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient onNode3 = paho(2, "fence-1");
        onNode3.connect(persistent());
        onNode3.subscribe("fence/old/#", 1);
        onNode3.disconnect();
        onNode3.close();
        publish(2, "fence-1-pub", "fence/old/q", 1, 3);
        nodes().kill(2);

        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (RawClient c = new RawClient(nodes().mqttPort(0))) {
                assertThat(c.connAck(connect5("fence-1", true, 0)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                subscribe(c, "fence/new/#", 1);
                c.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
            }
        });

        nodes().start(2);
        await().atMost(LONG).untilAsserted(() -> assertThat(clientStatus(2, "fence-1"))
                .as("node 3's stale copy dropped").isEqualTo(404));
        Collecting back = new Collecting();
        org.eclipse.paho.client.mqttv3.MqttClient again = paho(2, "fence-1");
        again.setCallback(back);
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> again.connectWithResult(persistent()).getSessionPresent());
        publish(2, "fence-1-pub2", "fence/new/q", 1, 1);
        publish(2, "fence-1-pub3", "fence/old/late", 1, 1);
        await().atMost(LONG).untilAsserted(() -> assertThat(back.payloads).contains("fence/new/q0 0"));
        assertThat(back.payloads).as("the stale queue and subscription").noneMatch(l -> l.startsWith("fence/old"));
        again.disconnect();
        again.close();
    }
}
