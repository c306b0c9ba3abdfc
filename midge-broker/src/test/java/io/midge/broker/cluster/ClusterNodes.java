package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of real broker processes on loopback ports, each a child JVM ({@link ClusterNodeMain}) with its own data
 * directory. Each node's standard output and error go to {@code target/cluster-logs/<test>/node-<n>-<start>.log}, to
 * read after a failure. Close it (in {@code @AfterAll}) to kill whatever still runs.
 */
final class ClusterNodes implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The clusters not closed yet, for {@link NodeLogsOnFailure}. */
    private static final Set<ClusterNodes> OPEN = ConcurrentHashMap.newKeySet();

    private final Path dataRoot;
    private final Path logs;
    private final int[] clusterPorts;
    private final int[] mqttPorts;
    private final Process[] processes;
    private final int[] httpPorts;
    private final int[] starts;
    private final Path[] logFiles;
    private final String members;

    ClusterNodes(int n, Path dataRoot, String name) {
        this.dataRoot = dataRoot;
        this.logs = Path.of("target", "cluster-logs", name);
        this.clusterPorts = freePorts(n);
        this.mqttPorts = freePorts(n);
        this.processes = new Process[n];
        this.httpPorts = new int[n];
        this.starts = new int[n];
        this.logFiles = new Path[n];
        List<String> list = new ArrayList<>();
        for (int port : clusterPorts) {
            list.add("127.0.0.1:" + port);
        }
        this.members = String.join(",", list);
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OPEN.add(this);
    }

    static List<ClusterNodes> openNodes() {
        return List.copyOf(OPEN);
    }

    /**
     * Per node, its last {@code most} notable lines ({@link NodeLogsOnFailure#notable}) of its current start logged at
     * or after {@code since}, each cut at {@code width}; empty if there are none.
     */
    String notableLines(java.time.LocalTime since, int most, int width) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < logFiles.length; i++) {
            if (logFiles[i] == null) {
                continue;
            }
            try {
                for (String line : NodeLogsOnFailure.since(Files.readString(logFiles[i]), since, most, width)) {
                    out.append("node ").append(i + 1).append(isAlive(i) ? "" : " (down)").append(": ").append(line)
                            .append('\n');
                }
            } catch (IOException e) {
                out.append("node ").append(i + 1).append(": its log unreadable: ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Ports free now and still free when a node restarts on them after a kill: outside the kernel's ephemeral range,
     * reserved for this JVM ({@link TestPorts}).
     */
    static int[] freePorts(int n) {
        return TestPorts.take(n);
    }

    static String nodeId(int i) {
        return "node" + (i + 1);
    }

    /** Starts every node, one after the other (each joins the ones before). */
    void startAll() {
        for (int i = 0; i < processes.length; i++) {
            start(i);
        }
    }

    /** Starts the nodes at once, each on its data directory, and waits until every one listens. */
    void startTogether(int... indexes) {
        for (int i : indexes) {
            launch(i);
        }
        for (int i : indexes) {
            awaitListening(i);
        }
    }

    /** Starts node {@code i} (0-based) on its data directory and waits until it listens. */
    void start(int i) {
        launch(i);
        awaitListening(i);
    }

    private void launch(int i) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = logs.resolve("node-" + (i + 1) + "-" + (starts[i]++) + ".log");
        logFiles[i] = log;
        try {
            processes[i] = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-Dmidge.log.level=INFO", "-cp", System.getProperty("java.class.path"),
                    ClusterNodeMain.class.getName(), dataRoot.resolve(nodeId(i)).toString(), nodeId(i),
                    Integer.toString(clusterPorts[i]), members, Integer.toString(mqttPorts[i]))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitListening(int i) {
        Process p = processes[i];
        Path log = logFiles[i];
        // 180 s: on the 2-core machine at a load average of 25 a restart after kill -9 took 61 s (the JVM's start 20 s,
        // Hazelcast's join 29 s, the registry's reclaim of the restored sessions 2 s); at a load average of 23 with
        // four test runs at once, a first node's JVM took 40 s to reach Hazelcast and had not joined after 90 s.
        httpPorts[i] = await().atMost(Duration.ofSeconds(180)).until(() -> {
            assertThat(p.isAlive()).as("node %d started; its log: %s", i + 1, Files.readString(log)).isTrue();
            Matcher m = Pattern.compile("MIDGE-HTTP (\\d+)").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }, port -> port > 0);
    }

    /** SIGSTOP: the node's process stands still (every thread), as one starved or swapped out does. */
    void pause(int i) throws IOException, InterruptedException {
        signal(i, "-STOP");
    }

    /** SIGCONT: a paused node goes on where it stood. */
    void resume(int i) throws IOException, InterruptedException {
        signal(i, "-CONT");
    }

    private void signal(int i, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(processes[i].pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill %s node %d", signal, i + 1)
                .isTrue();
    }

    /** The node's Hazelcast port (its cluster address). */
    int clusterPort(int i) {
        return clusterPorts[i];
    }

    /** SIGKILL: the node gets no chance to say or write anything. */
    void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        assertThat(processes[i].waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    /** SIGTERM to the nodes at once: they shut down cleanly, together. */
    void stopTogether(int... indexes) throws InterruptedException {
        for (int i : indexes) {
            processes[i].destroy();
        }
        for (int i : indexes) {
            stop(i);
        }
    }

    /** SIGTERM: the node shuts down cleanly. */
    void stop(int i) throws InterruptedException {
        processes[i].destroy();
        if (!processes[i].waitFor(30, TimeUnit.SECONDS)) {
            processes[i].destroyForcibly();
        }
    }

    /** Deletes node {@code i}'s data directory (stopped first): it starts again with an empty store. */
    void wipe(int i) throws IOException {
        Path dir = dataRoot.resolve(nodeId(i));
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    boolean isAlive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    int httpPort(int i) {
        return httpPorts[i];
    }

    int mqttPort(int i) {
        return mqttPorts[i];
    }

    String url(int i) {
        return "tcp://127.0.0.1:" + mqttPorts[i];
    }

    /** A counter or gauge of the node's /metrics (summed over its series with these labels). */
    double metric(int i, String name) {
        try {
            String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[i]
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What node {@code i} has logged since it last started. */
    String log(int i) throws IOException {
        return Files.readString(logFiles[i]);
    }

    /** The body of a GET of the node's management API, {@code path} below {@code /api/v1/}. */
    String api(int i, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[i] + "/api/v1/" + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Whether node {@code from}'s forwarding queue to node {@code to} is subscribed to the filter (its API says). */
    boolean routes(int from, int to, String filter) throws IOException, InterruptedException {
        String body = api(from, "subscriptions?filter=" + java.net.URLEncoder.encode(filter,
                java.nio.charset.StandardCharsets.UTF_8) + "&limit=1000");
        String queue = NodeQueues.QUEUE_PREFIX + nodeId(to);
        return body.contains("\"clientId\":\"" + queue + "\"") && body.contains("\"filter\":\"" + filter + "\"");
    }

    /** The /metrics text of a node, whole. */
    String metrics(int i) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[i] + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        OPEN.remove(this);
        for (Process p : processes) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            if (p != null) {
                try {
                    p.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
