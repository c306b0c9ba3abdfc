package io.midge.client.testing;

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

import static org.awaitility.Awaitility.await;

/**
 * A Mosquitto broker ({@code /usr/sbin/mosquitto}, Debian package mosquitto) started by a test on free ports, with a
 * generated configuration: one plain listener, and any further listeners the test describes. Killed on close.
 */
public final class MosquittoBroker implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private final Process process;
    private final int port;
    private final Path dir;

    private MosquittoBroker(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** A broker with one plain listener. */
    public static MosquittoBroker start() {
        return start(List.of());
    }

    /**
     * A broker with a plain listener and the extra configuration lines given (for more listeners, use
     * {@link #freePort()} for their ports and wait for them with {@link #awaitPort(int)}).
     */
    public static MosquittoBroker start(List<String> extraLines) {
        try {
            Path dir = Files.createTempDirectory("mosquitto");
            int port = freePort();
            List<String> lines = new ArrayList<>();
            lines.add("per_listener_settings false");
            lines.add("allow_anonymous true");
            lines.add("persistence false");
            lines.add("log_dest stderr");
            lines.add("log_type error");
            lines.add("listener " + port + " 127.0.0.1");
            lines.addAll(extraLines);
            Path conf = dir.resolve("mosquitto.conf");
            Files.write(conf, lines);
            Process process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.log").toFile())
                    .start();
            MosquittoBroker broker = new MosquittoBroker(process, port, dir);
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !process.isAlive() || listening(port));
            } catch (RuntimeException e) {
                broker.close();
                throw new IllegalStateException("mosquitto did not start: " + broker.log(), e);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto ended at once: " + broker.log());
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Mosquitto's own log, for a failing test's message. */
    public String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until something listens on 127.0.0.1:port. */
    public static void awaitPort(int port) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> listening(port));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
