package io.midge.broker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the mosquitto command-line clients (Debian package mosquitto-clients) against a test broker, as separate
 * processes: {@code MosquittoClients.pub(port, "-t", "a/b", "-m", "hi")}. Host and port are added; give the rest.
 * A process that outlives its wait is killed and the call fails, so a hung client cannot hang the suite.
 */
public final class MosquittoClients {
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    /** What a finished process printed (standard output and error apart) and its exit code. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The standard output split into lines, without a trailing empty one. */
        public List<String> lines() {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }
    }

    private MosquittoClients() {
    }

    /** Runs mosquitto_pub to completion. */
    public static Result pub(int port, String... args) {
        return run("mosquitto_pub", port, DEFAULT_WAIT, args);
    }

    /** Runs mosquitto_sub to completion (give it -C count and/or -W seconds, or -E, so that it ends). */
    public static Result sub(int port, String... args) {
        return run("mosquitto_sub", port, DEFAULT_WAIT, args);
    }

    public static Result run(String command, int port, Duration wait, String... args) {
        List<String> commandLine = new ArrayList<>();
        commandLine.add(command);
        commandLine.add("-h");
        commandLine.add("127.0.0.1");
        commandLine.add("-p");
        commandLine.add(Integer.toString(port));
        commandLine.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(commandLine).start();
            process.getOutputStream().close(); // nothing to read on standard input
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + " (is mosquitto-clients installed?)", e);
        }
        CompletableFuture<String> stdout = readAsync(process.getInputStream());
        CompletableFuture<String> stderr = readAsync(process.getErrorStream());
        try {
            if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", commandLine) + " did not finish within " + wait);
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Threads::startDaemon);
    }
}
