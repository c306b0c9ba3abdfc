package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.midge.broker.testing.MosquittoClients;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes as one cluster, shared by the tests in order (the crash tests kill and restart node 2,
 * the retained test restarts node 3). Clients connect to different nodes: Paho 3.1.1, the HiveMQ 5.0 client and
 * mosquitto_pub/sub. SUBACK waits until the nodes linked to forward a new filter, but a node an earlier test restarted
 * may still be linking, so each test first probes until its routes arrived.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(NodeLogsOnFailure.class)
class ClusterTest {
    private static final int N = 100;

    @TempDir
    static Path temp;
    private ClusterNodes nodes;

    @BeforeAll
    void startCluster() {
        nodes = new ClusterNodes(3, temp, "ClusterTest");
        nodes.startAll();
    }

    @AfterAll
    void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    /** A Paho 3.1.1 client that collects "topic payload" lines. */
    private static final class Collector {
        final org.eclipse.paho.client.mqttv3.MqttClient client;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Collector(String url, String id, String filter) throws Exception {
            client = new org.eclipse.paho.client.mqttv3.MqttClient(url, id, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setMaxInflight(1000);
            client.connect(options);
            client.subscribe(filter, 2, (topic, m) -> lines.add(topic + " " + new String(m.getPayload(),
                    StandardCharsets.UTF_8)));
        }

        List<String> of(String topic) {
            return lines.stream().filter(l -> l.startsWith(topic + " ")).map(l -> l.substring(topic.length() + 1))
                    .toList();
        }

        void close() throws Exception {
            client.disconnect();
            client.close();
        }
    }

    private static org.eclipse.paho.client.mqttv3.MqttClient publisher(String url, String id) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(url, id,
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(1000); // QoS 0 publishes count too, and go out faster than a loaded machine sends
        c.connect(options);
        return c;
    }

    @Test
    @Order(1)
    @DisplayName("Published on node 1, received on nodes 2 (Paho) and 3 (HiveMQ 5) at QoS 0, 1 and 2 with their "
            + "handshakes, in order, QoS 2 exactly once (MQTT-4.6.0-6, MQTT-4.3.3-10); $SYS/broker/node names the node")
    void publishOnOneNodeReceiveOnTheOthers() throws Exception {
        Collector paho = new Collector(nodes.url(1), "fan-paho", "fan/#");
        List<String> hive = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient hiveMq = MqttClient.builder().useMqttVersion5().identifier("fan-hivemq")
                .serverHost("127.0.0.1").serverPort(nodes.mqttPort(2)).buildAsync();
        hiveMq.connect().get(10, TimeUnit.SECONDS);
        hiveMq.subscribeWith().topicFilter("fan/#").qos(MqttQos.EXACTLY_ONCE)
                .callback(p -> hive.add(p.getTopic() + " " + StandardCharsets.UTF_8.decode(p.getPayload().get())))
                .send().get(10, TimeUnit.SECONDS);
        org.eclipse.paho.client.mqttv3.MqttClient pub = publisher(nodes.url(0), "fan-pub");
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                pub.publish("fan/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
                return !paho.of("fan/probe").isEmpty() && hive.stream().anyMatch(l -> l.startsWith("fan/probe"));
            });
            for (int qos = 0; qos <= 2; qos++) {
                for (int i = 0; i < N; i++) {
                    pub.publish("fan/q" + qos, Integer.toString(i).getBytes(StandardCharsets.UTF_8), qos, false);
                }
            }
            List<String> expected = LongStream.range(0, N).mapToObj(Long::toString).toList();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (int qos = 0; qos <= 2; qos++) {
                    assertThat(paho.of("fan/q" + qos)).as("Paho on node 2, QoS %d", qos).isEqualTo(expected);
                    String topic = "fan/q" + qos;
                    assertThat(hive.stream().filter(l -> l.startsWith(topic + " "))
                            .map(l -> l.substring(topic.length() + 1)).toList())
                            .as("HiveMQ on node 3, QoS %d", qos).isEqualTo(expected);
                }
            });
            // Nothing more arrives: each message once per subscriber (a late duplicate would show in the lists).
            assertThat(nodes.metric(0, "midge_cluster_forwarded_total")).isGreaterThanOrEqualTo(2 * 3 * N);
            MosquittoClients.Result sys = MosquittoClients.sub(nodes.mqttPort(2), "-t", "$SYS/broker/node", "-C",
                    "1", "-W", "5");
            assertThat(sys.stdout().trim()).isEqualTo("node3");
            assertThat(nodes.metrics(1)).contains("node=\"node2\"");
        } finally {
            pub.disconnect();
            pub.close();
            paho.close();
            hiveMq.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(2)
    @DisplayName("A node with no subscriber to a topic is sent none of its messages; a QoS 1 message that only clean "
            + "sessions on other nodes want is forwarded without a store write on the publisher's node, one that a "
            + "persistent session wants is stored there before PUBACK (MQTT-4.3.2-2: nothing acknowledged lost)")
    void onlyInterestedNodesAreSentAMessage() throws Exception {
        Collector only2 = new Collector(nodes.url(1), "only-2", "only2/#");
        org.eclipse.paho.client.mqttv3.MqttClient kept3 = new org.eclipse.paho.client.mqttv3.MqttClient(nodes.url(2),
                "only-3-kept", new MemoryPersistence());
        MqttConnectOptions persistent = new MqttConnectOptions();
        persistent.setCleanSession(false);
        kept3.connect(persistent);
        List<String> got3 = new CopyOnWriteArrayList<>();
        kept3.subscribe("only3/#", 1, (topic, m) -> got3.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
        org.eclipse.paho.client.mqttv3.MqttClient pub = publisher(nodes.url(0), "only-pub");
        try {
            AtomicInteger probes = new AtomicInteger();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                pub.publish("only2/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
                pub.publish("only3/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
                probes.incrementAndGet();
                return !only2.of("only2/probe").isEmpty() && got3.contains("p");
            });
            // Every probe arrived, so none is still on its way when the counters are read.
            await().atMost(Duration.ofSeconds(10)).until(() -> only2.of("only2/probe").size() == probes.get()
                    && got3.size() == probes.get());
            double forwarded = nodes.metric(0, "midge_cluster_forwarded_total");
            double received3 = nodes.metric(2, "midge_messages_received_total");
            double stored1 = nodes.metric(0, "midge_store_batches_total");
            for (int i = 0; i < 50; i++) {
                pub.publish("only2/data", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> only2.of("only2/data").size() == 50);
            assertThat(nodes.metric(0, "midge_cluster_forwarded_total")).as("forwarded by node 1")
                    .isEqualTo(forwarded + 50);
            assertThat(nodes.metric(2, "midge_messages_received_total")).as("received by node 3")
                    .isEqualTo(received3);
            assertThat(nodes.metric(0, "midge_store_batches_total") - stored1)
                    .as("store writes on node 1 for 50 QoS 1 messages only a clean session wants").isLessThan(10);
            stored1 = nodes.metric(0, "midge_store_batches_total");
            for (int i = 0; i < 50; i++) {
                pub.publish("only3/data", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> got3.size() == probes.get() + 50);
            assertThat(nodes.metric(0, "midge_store_batches_total") - stored1)
                    .as("store writes on node 1 for 50 QoS 1 messages a persistent session wants")
                    .isGreaterThanOrEqualTo(50);
        } finally {
            pub.disconnect();
            pub.close();
            only2.close();
            kept3.unsubscribe("only3/#");
            kept3.disconnect();
            kept3.close();
        }
    }

    @Test
    @Order(3)
    @DisplayName("MQTT 5 4.8.2 across nodes: each message once per share group, QoS 1; a group with members on nodes "
            + "2 and 3 only, published on node 1; a group with a member on node 1 gets it there; plain subscribers "
            + "get every message besides")
    void sharedSubscriptionsAcrossNodes() throws Exception {
        Map<String, List<String>> got = new java.util.concurrent.ConcurrentHashMap<>();
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        // Group "work": two members on node 2, one on node 3, none on node 1 where the publisher is.
        // Group "solo": a member on node 1 and one on node 3; node 1's own member takes every message.
        String[][] members = {{"work-2a", "1", "$share/work/sh/jobs/+"}, {"work-2b", "1", "$share/work/sh/jobs/+"},
            {"work-3a", "2", "$share/work/sh/jobs/+"}, {"solo-1", "0", "$share/solo/sh/jobs/#"},
            {"solo-3", "2", "$share/solo/sh/jobs/#"}, {"plain-3", "2", "sh/jobs/+"}};
        for (String[] m : members) {
            Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(m[0]).serverHost("127.0.0.1")
                    .serverPort(nodes.mqttPort(Integer.parseInt(m[1]))).buildAsync();
            c.connect().get(10, TimeUnit.SECONDS);
            List<String> lines = new CopyOnWriteArrayList<>();
            got.put(m[0], lines);
            c.subscribeWith().topicFilter(m[2]).qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> lines.add(StandardCharsets.UTF_8.decode(p.getPayload().get()).toString()))
                    .send().get(10, TimeUnit.SECONDS);
            clients.add(c);
        }
        org.eclipse.paho.client.mqttv3.MqttClient pub = publisher(nodes.url(0), "share-pub");
        try {
            // Until node 1 knows both nodes' members of "work" (it takes them in turn) and the plain route.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                pub.publish("sh/jobs/probe", "probe".getBytes(StandardCharsets.UTF_8), 1, false);
                return got.get("work-3a").contains("probe") && (got.get("work-2a").contains("probe")
                        || got.get("work-2b").contains("probe")) && got.get("plain-3").contains("probe");
            });
            for (int i = 0; i < N; i++) {
                pub.publish("sh/jobs/" + (i % 3), ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            List<String> expected = LongStream.range(0, N).mapToObj(i -> "m" + i).toList();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(data(got, "work-2a", "work-2b", "work-3a")).as("group work, across nodes 2 and 3")
                        .containsExactlyInAnyOrderElementsOf(expected);
                assertThat(data(got, "solo-1")).as("group solo, on the publisher's node").isEqualTo(expected);
                assertThat(data(got, "plain-3")).as("plain subscriber on node 3").isEqualTo(expected);
            });
            assertThat(data(got, "work-2a", "work-2b")).as("node 2's share of group work").isNotEmpty();
            assertThat(data(got, "work-3a")).as("node 3's share of group work").isNotEmpty();
            // Nothing more comes late: each message once per group, for a while after the last one came.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                    data(got, "work-2a", "work-2b", "work-3a").size() == N && data(got, "solo-3").isEmpty());
        } finally {
            pub.disconnect();
            pub.close();
            for (Mqtt5AsyncClient c : clients) {
                c.disconnect().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The data messages (not probes) the named clients got, together. */
    private static List<String> data(Map<String, List<String>> got, String... clients) {
        List<String> all = new ArrayList<>();
        for (String c : clients) {
            got.get(c).stream().filter(l -> !l.equals("probe")).forEach(all::add);
        }
        return all;
    }

    @Test
    @Order(4)
    @DisplayName("GET /api/v1/nodes lists the three nodes (MQTT address, link up, clients, queued to it), marks the "
            + "node asked; GET /clients names the node of each client; the nodes' joining is logged with the reason")
    void nodesInTheApi() throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("api-client-3").serverHost("127.0.0.1")
                .serverPort(nodes.mqttPort(2)).buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                String body = nodes.api(0, "nodes");
                assertThat(body).contains("{\"id\":\"node1\",\"mqttAddress\":\"127.0.0.1:" + nodes.mqttPort(0)
                        + "\",\"self\":true,\"link\":null,");
                assertThat(body).containsPattern("\\{\"id\":\"node2\",\"mqttAddress\":\"127.0.0.1:"
                        + nodes.mqttPort(1) + "\",\"self\":false,\"link\":\"up\",\"clients\":\\d+,\"queued\":\\d+}");
                assertThat(body).containsPattern("\\{\"id\":\"node3\",\"mqttAddress\":\"127.0.0.1:"
                        + nodes.mqttPort(2) + "\",\"self\":false,\"link\":\"up\",\"clients\":[1-9]\\d*,");
            });
            assertThat(nodes.api(2, "clients/api-client-3"))
                    .contains("\"clientId\":\"api-client-3\",\"node\":\"node3\"");
            assertThat(nodes.api(2, "clients?prefix=api-")).contains("\"node\":\"node3\"");
        } finally {
            c.disconnect().get(10, TimeUnit.SECONDS);
        }
        assertThat(nodes.log(0)).contains("Node 'node2' joined the cluster", "Node 'node3' joined the cluster");
    }

    @Test
    @Order(6)
    @DisplayName("Node 3 restarted on an empty data directory catches up: it serves the messages retained before, "
            + "which its forwarding queues no longer held, to a new subscriber (MQTT-3.3.1-5)")
    void restartedEmptyNodeCatchesUpOnRetained() throws Exception {
        MosquittoClients.pub(nodes.mqttPort(0), "-t", "late/one", "-m", "before", "-r", "-q", "1");
        MosquittoClients.pub(nodes.mqttPort(1), "-t", "late/two", "-m", "from-2", "-r", "-q", "1");
        // Wait until node 3 has them (its queues at nodes 1 and 2 are then empty of them), then lose its store.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(MosquittoClients.sub(nodes.mqttPort(2), "-t", "late/#", "-C", "2", "-W", "2")
                        .stdout().lines().sorted().toList()).containsExactly("before", "from-2"));
        nodes.stop(2);
        nodes.wipe(2);
        nodes.start(2);
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
                assertThat(MosquittoClients.sub(nodes.mqttPort(2), "-t", "late/#", "-C", "2", "-W", "2")
                        .stdout().lines().sorted().toList()).as("on node 3 after it lost its store")
                        .containsExactly("before", "from-2"));
    }

    @Test
    @Order(5)
    @DisplayName("A message retained on node 1 is retained on node 3 too, across node 3's restart; clearing it "
            + "clears it there (MQTT-3.3.1-5, MQTT-3.3.1-6)")
    void retainedMessagesAreClusterWide() throws Exception {
        MosquittoClients.pub(nodes.mqttPort(0), "-t", "ret/one", "-m", "kept", "-r", "-q", "1");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(MosquittoClients.sub(nodes.mqttPort(2), "-t", "ret/one", "-C", "1", "-W", "2")
                        .stdout().trim()).isEqualTo("kept"));
        nodes.stop(2);
        nodes.start(2);
        // Awaited: a client's CONNECT right after a restart waits for the registry, which may be moving partitions
        // back to the node for seconds on a loaded machine. What is retained must be there once it connects.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            MosquittoClients.Result sub = MosquittoClients.sub(nodes.mqttPort(2), "-t", "ret/one", "-C", "1", "-W",
                    "5");
            assertThat(sub.stdout().trim()).as("after node 3's restart (mosquitto_sub exit %d: %s)", sub.exitCode(),
                    sub.stderr().trim()).isEqualTo("kept");
        });
        MosquittoClients.pub(nodes.mqttPort(0), "-t", "ret/one", "-n", "-r", "-q", "1");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(MosquittoClients.sub(nodes.mqttPort(2), "-t", "ret/one", "-C", "1", "-W", "1")
                        .stdout()).isEmpty());
    }

    @Test
    @Order(7)
    @DisplayName("A message published on node 1 right after a subscriber's SUBACK on node 2 reaches it: SUBACK waits "
            + "until the other nodes forward the new filter (MQTT-4.5.0-1: a message taken goes to every matching "
            + "subscription)")
    void publishedRightAfterSubackArrives() throws Exception {
        int rounds = 30;
        List<String> got = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient sub = MqttClient.builder().useMqttVersion5().identifier("suback-sub").serverHost("127.0.0.1")
                .serverPort(nodes.mqttPort(1)).buildAsync();
        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("suback-pub").serverHost("127.0.0.1")
                .serverPort(nodes.mqttPort(0)).buildAsync();
        sub.connect().get(10, TimeUnit.SECONDS);
        pub.connect().get(10, TimeUnit.SECONDS);
        try {
            for (int i = 0; i < rounds; i++) {
                String topic = "suback/" + i;
                sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .callback(p -> got.add(p.getTopic().toString())).send().get(10, TimeUnit.SECONDS);
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Integer.toString(i).getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
            }
            List<String> expected = java.util.stream.IntStream.range(0, rounds).mapToObj(i -> "suback/" + i).toList();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(got).containsExactlyInAnyOrderElementsOf(expected));
        } finally {
            pub.disconnect().get(10, TimeUnit.SECONDS);
            sub.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(9)
    @DisplayName("A node that sees fewer than a majority of the nodes refuses CONNECT (0x88; 3.1.1 return code 3) "
            + "and publishes (PUBACK 0x83), and takes them again once it sees a majority")
    void minorityRefusesClientsAndPublishes() throws Exception {
        try (RawClient before = new RawClient(nodes.mqttPort(0))) {
            before.connect(new Connect(MqttVersion.MQTT_5, "minority-5", true, 0, null, null, null,
                    MqttProperties.EMPTY));
            nodes.stop(1);
            nodes.stop(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (RawClient c = new RawClient(nodes.mqttPort(0))) {
                    return c.connAck(new Connect(MqttVersion.MQTT_5, "minority-new", true, 0, null, null, null,
                            MqttProperties.EMPTY)).reasonCode() == ReasonCode.SERVER_UNAVAILABLE;
                }
            });
            try (RawClient v3 = new RawClient(nodes.mqttPort(0))) {
                assertThat(v3.connAck(new Connect(MqttVersion.MQTT_3_1_1, "minority-3", true, 0, null, null, null,
                        MqttProperties.EMPTY)).reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
            }
            before.send(new Publish("minority/t", 1, false, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer(new byte[] {1})));
            assertThat(before.receive(PubAck.class).reasonCode())
                    .isEqualTo(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);
        }
        nodes.start(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (RawClient c = new RawClient(nodes.mqttPort(0))) {
                return c.connAck(new Connect(MqttVersion.MQTT_5, "majority-again", true, 0, null, null, null,
                        MqttProperties.EMPTY)).reasonCode() == ReasonCode.SUCCESS;
            }
        });
    }

    /** The session cases on this same cluster, after the tests above (see {@link ClusterSessionCases}). */
    @Nested
    @DisplayName("Sessions across nodes")
    class Sessions extends ClusterSessionCases {
        @Override
        ClusterNodes nodes() {
            return nodes;
        }
    }

    /** A move while a node stands still (see {@link ClusterLateMarkCases}). */
    @Nested
    @DisplayName("A move with a late node")
    class LateMark extends ClusterLateMarkCases {
        @Override
        ClusterNodes nodes() {
            return nodes;
        }
    }

    /** The registry across a whole-cluster restart, and moves under load (see {@link ClusterRegistryCases}). */
    @Nested
    @DisplayName("Session registry and moves")
    class Registry extends ClusterRegistryCases {
        @Override
        ClusterNodes nodes() {
            return nodes;
        }
    }
}
