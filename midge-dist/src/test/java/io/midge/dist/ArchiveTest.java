package io.midge.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user gets it: unpacked with {@code tar}, its {@code bin/midge} started with the Java that
 * runs the tests, a real client talking to the broker, and the store surviving a restart.
 */
class ArchiveTest {
    private static final Path ARCHIVE = Path.of(System.getProperty("midge.archive", "target/midge.tar.gz"));
    private static final String VERSION = System.getProperty("midge.expectedVersion");
    private static final Pattern MQTT_PORT = Pattern.compile("listening for MQTT over tcp on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP_ADDRESS = Pattern.compile("metrics on (http://127\\.0\\.0\\.1:\\d+/)");

    @TempDir
    static Path unpacked;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(ARCHIVE).as("mvn package builds the archive").exists();
        Process tar = new ProcessBuilder("tar", "-xzf", ARCHIVE.toAbsolutePath().toString(), "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        home = unpacked.resolve("midge-" + VERSION);
    }

    @Test
    void holdsTheLauncherTheJarTheExampleConfigurationTheUnitAndAReadme() throws IOException {
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/midge")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("lib/midge.jar")).isRegularFile();
        assertThat(home.resolve("config/midge.yaml")).hasSameTextualContentAs(Path.of("..", "config", "midge.yaml"));
        assertThat(home.resolve("README.md")).content().contains("systemctl enable --now midge");
        assertThat(home.resolve("systemd/midge.service")).content()
                .contains("User=midge", "StateDirectory=midge", "--data-dir /var/lib/midge", "Restart=on-failure",
                        "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "ProtectSystem=strict")
                .doesNotContain("MemoryDenyWriteExecute=yes");
    }

    @Test
    void theLauncherRunsTheCommandAndChecksTheShippedConfiguration() throws Exception {
        assertThat(run("--version")).isEqualTo("midge " + VERSION);
        assertThat(run("broker", "--check-config", home.resolve("config/midge.yaml").toString()))
                .endsWith("is a valid configuration");
    }

    @Test
    void theBrokerStartsFromTheArchiveServesClientsAndKeepsItsStoreAcrossARestart(@TempDir Path data)
            throws Exception {
        try (Started broker = start(data)) {
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(broker.http + "health"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            MqttClient publisher = client(broker.mqttPort, "archive-publisher");
            publisher.publish("archive/retained", "kept".getBytes(StandardCharsets.UTF_8), 1, true);
            publisher.disconnect();
            publisher.close();
        }
        try (Started broker = start(data)) {
            MqttClient subscriber = client(broker.mqttPort, "archive-subscriber");
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            subscriber.subscribe("archive/#", 1, (topic, message) -> received.add(topic + "=" + message));
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("archive/retained=kept");
            subscriber.disconnect();
            subscriber.close();
        }
    }

    private static MqttClient client(int port, String id) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        client.connect(options);
        return client;
    }

    /** Runs {@code bin/midge} to its end and gives what it printed, trimmed. */
    private static String run(String... args) throws Exception {
        Process process = launcher(args).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static ProcessBuilder launcher(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin/midge").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("MIDGE_JAR");
        builder.environment().put("MIDGE_JAVA_OPTS", "-Xmx128m");
        return builder;
    }

    private static Started start(Path data) throws Exception {
        Process process = launcher("broker", "--port", "0", "--http-port", "-1", "--data-dir", data.toString(),
                "--sys-interval", "0").redirectErrorStream(true).start();
        Started started = new Started(process);
        Thread reader = new Thread(() -> started.read(), "archive-broker-output");
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> started.mqttPort > 0 && started.http != null
                || !process.isAlive());
        assertThat(process.isAlive()).as(started.output::toString).isTrue();
        return started;
    }

    /** A broker process started from the archive, stopped as systemd stops it (SIGTERM). */
    private static final class Started implements AutoCloseable {
        final Process process;
        final StringBuffer output = new StringBuffer();
        volatile int mqttPort;
        volatile String http;

        Started(Process process) {
            this.process = process;
        }

        void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.append(line).append('\n');
                    Matcher port = MQTT_PORT.matcher(line);
                    if (port.find()) {
                        mqttPort = Integer.parseInt(port.group(1));
                    }
                    Matcher address = HTTP_ADDRESS.matcher(line);
                    if (address.find()) {
                        http = address.group(1);
                    }
                }
            } catch (IOException e) {
                output.append("(output closed: ").append(e).append(")\n");
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(output::toString).isTrue();
        }
    }
}
