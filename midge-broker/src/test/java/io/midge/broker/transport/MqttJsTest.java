package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT.js, the client browsers use, over ws:// and wss://, run by Node. Its npm package is installed by
 * {@code .ci/run} into {@code $MIDGE_MQTTJS_DIR} (default {@code ~/.cache/midge/mqttjs}), or by this test when it is
 * missing there. Skipped only where node or npm is not installed.
 */
class MqttJsTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;
    static Path script;
    static Path modules;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(runs("node", "--version") && runs("npm", "--version"),
                "node and npm are not installed: MQTT.js is not tried (apt-get install nodejs npm)");
        Path prefix = Path.of(System.getenv().getOrDefault("MIDGE_MQTTJS_DIR",
                System.getProperty("user.home") + "/.cache/midge/mqttjs"));
        modules = prefix.resolve("node_modules");
        if (!Files.isDirectory(modules.resolve("mqtt"))) {
            Result install = run(Map.of(), 300, "npm", "install", "--prefix", prefix.toString(), "--no-audit",
                    "--no-fund", "mqtt@5");
            assertThat(install.exitCode).as("npm install mqtt@5: %s", install.stderr).isZero();
        }
        script = dir.resolve("roundtrip.js");
        try (InputStream in = MqttJsTest.class.getResourceAsStream("/mqttjs/roundtrip.js")) {
            Files.write(script, in.readAllBytes());
        }
        ca = TestCertificates.authority(dir, "mqttjs");
        server = ca.server("server");
    }

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            Listeners.tcp("tcp"),
            Listeners.ws("ws", "/mqtt"),
            Listeners.wss("wss", "/mqtt", Listeners.serverTls(server)))));

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    @Test
    @DisplayName("MQTT.js over ws:// subscribes, publishes and gets its message back; a Paho client on TCP gets it "
            + "too")
    void mqttJsOverWebSocket() throws Exception {
        PahoClients.Inbox paho = clients.connect("tcp://127.0.0.1:" + broker.broker().port("tcp"), "mqttjs-paho")
                .subscribe("mqttjs/ws");
        Result result = mqttJs("ws://127.0.0.1:" + broker.broker().port("ws") + "/mqtt", "", "mqttjs/ws");
        assertThat(result.exitCode).as(result.stderr).isZero();
        assertThat(result.stdout.strip()).isEqualTo("mqttjs/ws|hello from mqtt.js");
        assertThat(paho.next()).isEqualTo("mqttjs/ws|hello from mqtt.js");
    }

    @Test
    @DisplayName("MQTT.js over wss:// trusting the test CA")
    void mqttJsOverSecureWebSocket() throws Exception {
        Result result = mqttJs("wss://127.0.0.1:" + broker.broker().port("wss") + "/mqtt", ca.caFile().toString(),
                "mqttjs/wss");
        assertThat(result.exitCode).as(result.stderr).isZero();
        assertThat(result.stdout.strip()).isEqualTo("mqttjs/wss|hello from mqtt.js");
    }

    private static Result mqttJs(String url, String caFile, String topic) throws Exception {
        return run(Map.of("NODE_PATH", modules.toString()), 30, "node", script.toString(), url, caFile, topic);
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static boolean runs(String... command) {
        try {
            return run(Map.of(), 30, command).exitCode == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Result run(Map<String, String> env, int seconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("mqttjs", ".out");
        Path err = Files.createTempFile("mqttjs", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null")));
        Process p = pb.start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + seconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
