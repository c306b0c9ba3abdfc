package io.midge.broker.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the nodes of a {@link ClusterNodes} logged, every start of a node in order: {@code
 * target/cluster-logs/<test>/node-<n>-<start>.log}, whose lines begin with the time ({@code HH:mm:ss.SSS}, the test
 * logging configuration's pattern).
 */
final class ClusterLogs {
    private ClusterLogs() {
    }

    /** Deletes the logs of an earlier run of the test (before its nodes start), so that only this run's are read. */
    static void clear(String test) {
        Path dir = Path.of("target", "cluster-logs", test);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything node {@code i} (0-based) logged so far, over all its starts. */
    static String of(String test, int i) {
        Path dir = Path.of("target", "cluster-logs", test);
        String prefix = "node-" + (i + 1) + "-";
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> logs = files.filter(f -> f.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparingInt(f -> start(f, prefix))).toList();
            StringBuilder all = new StringBuilder();
            for (Path log : logs) {
                all.append(Files.readString(log));
            }
            return all.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int start(Path file, String prefix) {
        String name = file.getFileName().toString();
        return Integer.parseInt(name.substring(prefix.length(), name.length() - ".log".length()));
    }

    /** The lines of node {@code i}'s logs that contain the text. */
    static List<String> lines(String test, int i, String text) {
        List<String> found = new ArrayList<>();
        for (String line : of(test, i).split("\n")) {
            if (line.contains(text)) {
                found.add(line);
            }
        }
        return found;
    }

    /** From {@code since} to the time a log line begins with (across midnight too). */
    static Duration after(LocalTime since, String line) {
        LocalTime at = LocalTime.parse(line.substring(0, 12));
        Duration d = Duration.between(since, at);
        return d.isNegative() && d.toHours() < -12 ? d.plusDays(1) : d;
    }
}
