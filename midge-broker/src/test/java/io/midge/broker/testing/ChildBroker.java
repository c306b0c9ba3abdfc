package io.midge.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker in a process of its own, for the tests that kill it with SIGKILL, start it again on its data directory,
 * or measure its memory and CPU apart from the test's: a {@code main} class on the test's class path that prints
 * {@code MIDGE-PORT <port> [<port>...]} once it listens and then runs until killed. Its output goes to
 * {@code <name>.out} and {@code <name>.err} in the test's directory, where its ports are read from and where a failed
 * start is explained. Closing it kills it (SIGKILL) and waits for it to end.
 */
public final class ChildBroker implements AutoCloseable {
    /** A JVM and its store starting: well over 30 s at a load average of 30 (seen on the shared 2-core machine). */
    private static final Duration START = Duration.ofSeconds(90);

    private final Process process;
    private final Path out;
    private final Path err;

    private ChildBroker(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts {@code main} with {@code args}, the JVM with {@code jvmOptions} (its heap, system properties), its output
     * in {@code dir}.
     */
    public static ChildBroker start(Path dir, String name, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ChildBroker(process, out, err);
    }

    /** The ports it printed, once it did; fails with its error output if it ended first. */
    public int[] ports() {
        return await().atMost(START).until(() -> {
            assertThat(process.isAlive()).as("child broker running; stderr: %s", Files.readString(err)).isTrue();
            return Files.readAllLines(out).stream().filter(l -> l.startsWith("MIDGE-PORT "))
                    .map(l -> Arrays.stream(l.substring(11).trim().split(" ")).mapToInt(Integer::parseInt).toArray())
                    .findFirst().orElse(null);
        }, p -> p != null);
    }

    /** The first port it printed (its MQTT listener's). */
    public int port() {
        return ports()[0];
    }

    /** The process, for its CPU time, its pid or whether it is alive. */
    public Process process() {
        return process;
    }

    /** What it wrote so far, standard output then standard error. */
    public String output() throws IOException {
        return Files.readString(out) + Files.readString(err);
    }

    /** SIGKILL, mid-stream if need be, and waits for the process to end. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("killed child broker ended").isTrue();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
