package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashBroker} in a process of its own on a data directory, for the tests that kill a broker with SIGKILL
 * and start it again on the same directory: one round of such a test is one child. Its output goes to
 * {@code broker-<round>.out} and {@code .err} in the test's temporary directory, where the port is read from and
 * where a failed start is explained. Closing it kills it (SIGKILL) and waits for it to end.
 */
final class ChildBroker implements AutoCloseable {
    /** A JVM starting on a loaded machine (two cores shared by many) can take half a minute. */
    private static final Duration START = Duration.ofSeconds(90);

    private final Process process;
    private final Path out;
    private final Path err;

    private ChildBroker(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts round {@code round}'s broker on {@code dataDir}, with {@code jvmOptions} (system properties, say). */
    static ChildBroker start(Path temp, Path dataDir, int round, String... jvmOptions) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashBroker.class.getName(),
                dataDir.toString()));
        Path out = temp.resolve("broker-" + round + ".out");
        Path err = temp.resolve("broker-" + round + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ChildBroker(process, out, err);
    }

    /** The port it listens on, once it printed it; fails with its error output if it ended first. */
    int port() {
        return await().atMost(START).until(() -> {
            assertThat(process.isAlive()).as("broker started; stderr: %s", Files.readString(err)).isTrue();
            return Files.readAllLines(out).stream().filter(l -> l.startsWith("MIDGE-PORT "))
                    .map(l -> Integer.parseInt(l.substring(11).trim())).findFirst().orElse(0);
        }, p -> p > 0);
    }

    /** SIGKILL, mid-stream, and waits for the process to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("killed broker ended").isTrue();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
