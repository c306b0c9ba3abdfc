package io.midge.broker.cluster;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A failed multi-process test says what its nodes logged meanwhile: the failure's message gets, per node still known
 * to an open {@link ClusterNodes}, the last warnings and session and membership lines logged since the test began.
 * CI shows a failure's message but keeps no files, and a cluster test that fails once in many runs on a loaded machine
 * is only explained by what the nodes said at the time.
 */
final class NodeLogsOnFailure implements BeforeEachCallback, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NodeLogsOnFailure.class);
    /** Lines per node: the message must stay short enough for a CI excerpt. */
    private static final int LINES = 8;
    private static final int WIDTH = 180;

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("began", LocalTime.now());
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        LocalTime began = context.getStore(NS).get("began", LocalTime.class);
        List<ClusterNodes> open = ClusterNodes.openNodes();
        if (open.isEmpty()) {
            throw failure;
        }
        String lines = open.stream().map(n -> n.notableLines(began, LINES, WIDTH)).reduce("", String::concat);
        if (lines.isEmpty()) {
            lines = "nothing notable since the test began at " + began + "\n";
        }
        AssertionError explained = new AssertionError(failure.getMessage() + "\n-- the nodes meanwhile:\n" + lines,
                failure);
        explained.setStackTrace(failure.getStackTrace());
        throw explained;
    }

    /** Whether a node's log line is worth showing: warnings, sessions moving or refused, nodes joining or leaving. */
    static boolean notable(String line) {
        return line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("Session of")
                || line.contains("refus") || line.contains("joined") || line.contains("left the cluster")
                || line.contains("majority");
    }

    /**
     * The notable lines logged at or after {@code since} (lines that begin with no time are left out): the last
     * {@code most}, and before them up to {@code most} earlier warnings, in the order logged. A warning early in a long
     * test (a move that timed out, say) is often what explains a failure seen only at its end.
     */
    static List<String> since(String log, LocalTime since, int most, int width) {
        List<String> found = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.length() < 12 || !notable(line)) {
                continue;
            }
            try {
                if (since != null && LocalTime.parse(line.substring(0, 12)).isBefore(since)) {
                    continue;
                }
            } catch (DateTimeParseException e) {
                continue;
            }
            found.add(line.length() > width ? line.substring(0, width) + "..." : line);
        }
        int last = Math.max(0, found.size() - most);
        List<String> earlierWarnings = new ArrayList<>();
        for (String line : found.subList(0, last)) {
            if (line.contains(" WARN ") || line.contains(" ERROR ")) {
                earlierWarnings.add(line);
            }
        }
        List<String> shown = new ArrayList<>(
                earlierWarnings.subList(Math.max(0, earlierWarnings.size() - most), earlierWarnings.size()));
        shown.addAll(found.subList(last, found.size()));
        return shown;
    }
}
