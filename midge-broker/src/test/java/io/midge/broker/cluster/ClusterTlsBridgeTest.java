package io.midge.broker.cluster;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.testing.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
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
 * Three broker processes as one cluster whose links are TLS both ways ({@code cluster.tls}). Nodes 1 and 2 have
 * certificates of the cluster's CA and the same bridge to a remote Midge (in this JVM): messages cross the TLS links,
 * the bridge runs on one node only (the older of the two) so the remote gets each message once, whichever node it was
 * published on, and what the remote sends is published once. Node 3's certificate another CA signed: it joins
 * Hazelcast (the secret is the same) but its links are refused, both ends saying why, and no message reaches it.
 * Last, the node running the bridge is killed and the other takes it over; what was published in between, which
 * waited in the forwarding queue to the dead node, reaches the remote once that node is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(NodeLogsOnFailure.class)
class ClusterTlsBridgeTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** A node's start (a JVM, then Hazelcast's join) takes 15-30 s on a loaded 2-core machine, more under heavy load. */
    private static final Duration START = Duration.ofSeconds(300);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int EACH = 50;

    @TempDir
    static Path dir;
    private Broker remote;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final List<Integer> mqttPorts = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private final int[] clusterPorts = ClusterNodes.freePorts(3);
    private final List<Collector> collectors = new ArrayList<>();
    private TestCertificates ca;
    /** The node (0 or 1) that runs the bridge, as {@link #bridgeRunsOnOneNode} found it. */
    private int bridgeHost = -1;
    /** Publishes on the surviving node across the death of the bridge's node, until the takeover; see test 5. */
    private ResendingPublisher gap;
    private Thread gapThread;
    /** The remote's subscriber from test 4 on. */
    private Collector atRemoteAfterKill;

    @BeforeAll
    void start() throws Exception {
        ca = TestCertificates.authority(dir, "cluster-ca");
        remote = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 1)
                .set(SYS_INTERVAL, 0).set(HTTP_PORT, 0).set(IN_MEMORY, true).build());
        TestCertificates stranger = TestCertificates.authority(dir, "stranger-ca");
        // All at once: a first node alone waits for the others it lists before it forms the cluster, which takes
        // longer than their start. Another CA signed node 3's certificate, and it has no bridge (never runs it).
        launch(0, ca.node("node1"), true);
        launch(1, ca.node("node2"), true);
        launch(2, stranger.node("node3"), false);
        for (int i = 0; i < 3; i++) {
            awaitStarted(i);
        }
    }

    @AfterAll
    void stop() throws Exception {
        collectors.forEach(Collector::close);
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (remote != null) {
            remote.close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("The links between the nodes are TLS, and messages cross them both ways")
    void messagesCrossTlsLinks() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThat(log(i)).contains("Listener 'cluster-link': TLS through").contains("client certificates required");
        }
        Collector on2 = collect(mqtt(1), "s2", "x/#");
        Collector on1 = collect(mqtt(0), "s1", "x/#");
        awaitRoute(mqtt(0), "x/probe", on2);
        awaitRoute(mqtt(1), "x/probe", on1);
        publish(mqtt(0), "p1", "x/a", "from-1", EACH);
        publish(mqtt(1), "p2", "x/b", "from-2", EACH);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(on2.data("x/a")).hasSize(EACH);
            assertThat(on1.data("x/b")).hasSize(EACH);
        });
    }

    @Test
    @Order(2)
    @DisplayName("A bridge configured on both nodes runs on one (the oldest): the remote gets each message once, "
            + "whichever node it was published on, and what the remote sends is published once")
    void bridgeRunsOnOneNode() throws Exception {
        // Nodes 1 and 2 started together: either may be the older.
        int host = await().atMost(WAIT).until(() -> api(0, "bridges").contains("\"state\":\"running\"") ? 0
                : api(1, "bridges").contains("\"state\":\"running\"") ? 1 : -1, h -> h >= 0);
        bridgeHost = host;
        int other = 1 - host;
        assertThat(api(host, "bridges")).contains("\"connected\":true");
        assertThat(api(other, "bridges")).contains("\"state\":\"standby\"", "\"connected\":false");
        assertThat(api(2, "bridges")).doesNotContain("\"up\"");
        assertThat(log(host)).containsPattern("Bridge 'up' (now )?runs on node 'node" + (host + 1) + "' \\(this one, "
                + "the oldest that has it\\): starting it here");
        assertThat(log(other)).containsPattern("Bridge 'up' (now )?runs on .*: this node stands by")
                .doesNotContain("starting it here");
        String remoteUri = "tcp://127.0.0.1:" + remote.port();
        Collector atRemote = collect(remoteUri, "far", "b/#");
        // Node 2 reaches the bridge's queue on node 1 through the route of its subscription.
        awaitRoute(mqtt(1), "b/probe", atRemote);
        awaitRoute(mqtt(0), "b/probe", atRemote);
        publish(mqtt(0), "q1", "b/data", "one-", EACH);
        publish(mqtt(1), "q2", "b/data", "two-", EACH);
        await().atMost(WAIT).until(() -> atRemote.data("b/data").size() >= 2 * EACH);
        // Some more time for a second copy, had a second node's bridge sent one.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> atRemote.data("b/data").size() == 2 * EACH);
        assertThat(new HashSet<>(atRemote.data("b/data"))).hasSize(2 * EACH);

        Collector in1 = collect(mqtt(0), "i1", "in/#");
        Collector in2 = collect(mqtt(1), "i2", "in/#");
        awaitRoute(mqtt(0), "in/probe", in2);
        awaitRoute(remoteUri, "in/probe", in1);
        publish(remoteUri, "far-pub", "in/data", "cmd-", 10);
        await().atMost(WAIT).until(() -> in1.data("in/data").size() >= 10 && in2.data("in/data").size() >= 10);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                .until(() -> in1.data("in/data").size() == 10 && in2.data("in/data").size() == 10);
        assertThat(new HashSet<>(in2.data("in/data"))).hasSize(10);
    }

    @Test
    @Order(3)
    @DisplayName("A node whose certificate another CA signed joins Hazelcast (same secret) but its links are refused, "
            + "both ends logging the peer and the reason, and no message reaches it")
    void untrustedNodeRefused() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> {
            for (int i = 0; i < 2; i++) {
                assertThat(log(i)).containsPattern("Link to node 'node3' at \\S+ refused: TLS failed: .+");
                assertThat(log(i)).containsPattern("Cluster link from \\S+ refused: TLS failed: .+");
            }
            assertThat(log(2)).containsPattern("Link to node 'node\\d' at \\S+ refused: TLS failed: .+");
        });
        Collector on3 = collect(mqtt(2), "s3", "y/#");
        Collector on2 = collect(mqtt(1), "s2y", "y/#");
        awaitRoute(mqtt(0), "y/probe", on2);
        publish(mqtt(0), "p1y", "y/data", "secret-", 5);
        await().atMost(WAIT).until(() -> on2.data("y/data").size() == 5);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> on3.lines().isEmpty());
    }

    @Test
    @Order(4)
    @DisplayName("The node running the bridge killed (SIGKILL): the other node that has it takes the bridge over "
            + "(standby, then running), and what is published on it from then on reaches the remote")
    void bridgeMovesWhenItsNodeDies() throws Exception {
        assertThat(bridgeHost).as("the bridge's node, found by the test before").isIn(0, 1);
        int other = 1 - bridgeHost;
        assertThat(api(other, "bridges")).contains("\"state\":\"standby\"");
        Collector atRemote = collect("tcp://127.0.0.1:" + remote.port(), "far-after", "b/#");
        atRemoteAfterKill = atRemote;
        // Publishes from before the kill until the takeover is seen (test 5 follows what it published meanwhile).
        gap = new ResendingPublisher(mqttPorts.get(other), "q-gap", 1, "b/gap", "b/gap-retained", 0);
        gapThread = new Thread(gap, "gap-publisher");
        gapThread.start();
        await().atMost(WAIT).until(() -> !gap.acknowledged.isEmpty());
        processes.get(bridgeHost).destroyForcibly(); // SIGKILL
        assertThat(processes.get(bridgeHost).waitFor(20, TimeUnit.SECONDS)).isTrue();
        long killed = System.nanoTime();
        await().atMost(WAIT).until(() -> api(other, "bridges").contains("\"state\":\"running\""));
        System.out.printf("Bridge taken over %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
        gap.stop();
        gapThread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(gap.errors).isEmpty();
        assertThat(log(other)).containsPattern("Bridge 'up' now runs on node 'node" + (other + 1) + "' \\(this one, "
                + "the oldest that has it\\): starting it here");
        publish(mqtt(other), "q-after", "b/after", "late-", EACH);
        // At least once: each acknowledged message reaches the remote.
        await().atMost(WAIT).until(() -> new HashSet<>(atRemote.data("b/after")).size() == EACH);
    }

    @Test
    @Order(5)
    @DisplayName("The killed node restarted: what was published on the other node between the death and the takeover "
            + "(it waited in the forwarding queue to the dead node, whose route alone it matched) reaches the remote, "
            + "at least once, before the restarted node's old queue goes")
    void gapReachesRemoteAfterRestart() throws Exception {
        assertThat(gap).as("test 4 published across the kill").isNotNull();
        int other = 1 - bridgeHost;
        String dead = "node" + (bridgeHost + 1);
        // The surviving node's forwarding queue to the dead node holds messages for it (those of the gap among them).
        Matcher waiting = Pattern.compile("\"id\":\"" + dead + "\"[^}]*\"queued\":(\\d+)")
                .matcher(api(other, "nodes"));
        assertThat(waiting.find()).as("the dead node in %s", api(other, "nodes")).isTrue();
        assertThat(Integer.parseInt(waiting.group(1))).as("messages queued for the dead node").isPositive();
        List<String> acknowledged = gap.acknowledged.stream().map(String::valueOf).toList();
        System.out.printf("%d messages acknowledged across the kill, %d waiting for the dead node%n",
                acknowledged.size(), Integer.parseInt(waiting.group(1)));
        relaunch(bridgeHost);
        await().atMost(WAIT).untilAsserted(() -> assertThat(new HashSet<>(atRemoteAfterKill.data("b/gap")))
                .as("acknowledged messages at the remote").containsAll(acknowledged));
        // It stands by, its old queue sent and gone.
        await().atMost(WAIT).until(() -> api(bridgeHost, "bridges").contains("\"state\":\"standby\""));
        assertThat(api(other, "bridges")).contains("\"state\":\"running\"");
    }

    // ------------------------------------------------------------------ the nodes

    /** Starts node {@code i} (0-based) with this certificate, and the bridge or none; see {@link #awaitStarted}. */
    private void launch(int i, TestCertificates.Pem cert, boolean bridge) throws IOException {
        int mqttPort = ClusterNodes.freePorts(1)[0];
        Path config = dir.resolve("node" + (i + 1) + ".yaml");
        String members = "127.0.0.1:" + clusterPorts[0] + ", 127.0.0.1:" + clusterPorts[1] + ", 127.0.0.1:"
                + clusterPorts[2];
        Files.writeString(config, """
                host: 127.0.0.1
                port: %d
                io-threads: 2
                sys-interval: 0
                data-dir: %s
                http:
                  port: -1
                cluster:
                  node-id: node%d
                  port: %d
                  members: [%s]
                  tls:
                    cert: %s
                    key: %s
                    ca: %s
                """.formatted(mqttPort, dir.resolve("data" + (i + 1)), i + 1, clusterPorts[i], members, cert.cert(),
                cert.key(), ca.caFile()) + (!bridge ? "" : """
                bridges:
                  - name: up
                    address: 127.0.0.1:%d
                    version: "5"
                    client-id: cluster-up
                    topics:
                      - filter: "b/#"
                        direction: out
                        qos: 1
                      - filter: "in/#"
                        direction: in
                        qos: 1
                """.formatted(remote.port())));
        processes.add(spawn(config, "node-" + (i + 1) + ".log"));
        logs.add(logFile("node-" + (i + 1) + ".log"));
        mqttPorts.add(mqttPort);
    }

    /** Starts node {@code i} (0-based) again on its configuration and data directory, and waits until it listens. */
    private void relaunch(int i) throws IOException {
        String name = "node-" + (i + 1) + "-restarted.log";
        processes.set(i, spawn(dir.resolve("node" + (i + 1) + ".yaml"), name));
        logs.set(i, logFile(name));
        httpPorts.set(i, awaitListening(i));
    }

    private static Path logFile(String name) throws IOException {
        Path logDir = Path.of("target", "cluster-logs", "ClusterTlsBridgeTest");
        Files.createDirectories(logDir);
        return logDir.resolve(name);
    }

    private static Process spawn(Path config, String logName) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-Dmidge.log.level=INFO", "-cp", System.getProperty("java.class.path"),
                ConfigFileNodeMain.class.getName(), config.toString())
                .redirectErrorStream(true).redirectOutput(logFile(logName).toFile()).start();
    }

    /** Waits until node {@code i} listens, and learns its HTTP port. */
    private void awaitStarted(int i) {
        httpPorts.add(awaitListening(i));
    }

    /** Node {@code i}'s HTTP port, once its log says it listens. */
    private int awaitListening(int i) {
        Process p = processes.get(i);
        Path log = logs.get(i);
        return await().atMost(START).until(() -> {
            assertThat(p.isAlive()).as("node %d started; its log: %s", i + 1, Files.readString(log)).isTrue();
            Matcher m = Pattern.compile("MIDGE-HTTP (\\d+)").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }, port -> port > 0);
    }

    private String mqtt(int i) {
        return "tcp://127.0.0.1:" + mqttPorts.get(i);
    }

    private String log(int i) throws IOException {
        return Files.readString(logs.get(i));
    }

    private String api(int i, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(i) + "/api/v1/"
                + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    // ------------------------------------------------------------------ clients

    /** Publishes probes until {@code to} has one: the route to its node (or the bridge) is in place. */
    private static void awaitRoute(String uri, String topic, Collector to) throws Exception {
        MqttClient c = client(uri, "probe-" + System.nanoTime());
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                c.publish(topic, "probe".getBytes(StandardCharsets.UTF_8), 1, false);
                return to.lines().stream().anyMatch(l -> l.startsWith(topic + " "));
            });
        } finally {
            c.disconnect();
            c.close();
        }
    }

    /** {@code count} QoS 1 messages {@code prefix0..}, each acknowledged before the next. */
    private static void publish(String uri, String id, String topic, String prefix, int count) throws Exception {
        MqttClient c = client(uri, id);
        try {
            for (int n = 0; n < count; n++) {
                c.publish(topic, (prefix + n).getBytes(StandardCharsets.UTF_8), 1, false);
            }
        } finally {
            c.disconnect();
            c.close();
        }
    }

    private static MqttClient client(String uri, String id) throws Exception {
        MqttClient c = new MqttClient(uri, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMaxInflight(1000);
        o.setConnectionTimeout(30);
        c.connect(o);
        return c;
    }

    private Collector collect(String uri, String id, String filter) throws Exception {
        Collector c = new Collector(client(uri, id));
        c.client().subscribe(filter, 1, (topic, m) -> c.lines().add(topic + " "
                + new String(m.getPayload(), StandardCharsets.UTF_8)));
        collectors.add(c);
        return c;
    }
}
