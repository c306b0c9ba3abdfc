package io.midge.broker.bridge;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto broker ({@code /usr/sbin/mosquitto}) started by a test on a free port with a generated configuration,
 * persistence on (so that a stop and start keeps its sessions); {@link #restart} starts it again on the same port.
 */
final class Mosquitto implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private final Path dir;
    private final int port;
    private Process process;

    private Mosquitto(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Started with one listener on 127.0.0.1 and the extra configuration lines given. */
    static Mosquitto start(Path dir, List<String> extraLines) {
        Mosquitto m = new Mosquitto(dir, freePort());
        try {
            List<String> lines = new ArrayList<>(List.of("per_listener_settings false", "allow_anonymous true",
                    "persistence true", "persistence_location " + dir + "/", "log_dest stderr",
                    "log_type error", "log_type warning", "max_queued_messages 100000",
                    "listener " + m.port + " 127.0.0.1"));
            lines.addAll(extraLines);
            Files.write(dir.resolve("mosquitto.conf"), lines);
            // Started as root, Mosquitto runs as user mosquitto: it must be able to write its persistence file.
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m.launch();
        return m;
    }

    private void launch() {
        try {
            process = new ProcessBuilder(BINARY.toString(), "-c", dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("mosquitto.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> !process.isAlive() || listening(port));
        if (!process.isAlive()) {
            throw new IllegalStateException("mosquitto ended at once: " + log());
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void restart() {
        launch();
    }

    String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
