package io.midge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code midge stats}: the broker's figures from {@code GET /api/v1/stats}, as a few readable lines. */
@Command(name = "stats", sortOptions = false,
        description = "Shows the broker's figures (connections, sessions, messages, bytes, rates, drops, store, heap) "
                + "through its management API.",
        footer = {"", "Examples:",
                "  midge stats",
                "  midge stats --json",
                "  midge stats --url http://broker.example:8080 -u root -P secret",
                "", ApiOptions.EXIT_CODES})
final class StatsCommand implements Callable<Integer> {
    private static final int LABEL_WIDTH = 19;

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Option(names = "--json", description = "Print the API's JSON.")
    boolean json;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        ManagementApi management = api.api();
        JsonNode stats;
        try {
            stats = management.get("stats", Map.of());
        } catch (ApiException e) {
            return api.fail(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ManagementApi.write(stats));
        } else {
            summary(stats).forEach(out::println);
        }
        out.flush();
        return ClientFailure.OK;
    }

    /** The figures as lines; a figure the answer lacks (an older or newer broker) is left out, not shown as 0. */
    static List<String> summary(JsonNode s) {
        List<String> lines = new ArrayList<>();
        StringBuilder title = new StringBuilder("Midge");
        if (s.hasNonNull("version")) {
            title.append(' ').append(s.get("version").asText());
        }
        if (s.hasNonNull("node")) {
            title.append(", node ").append(s.get("node").asText());
        }
        if (s.hasNonNull("uptimeSeconds")) {
            title.append(", up ").append(duration(s.get("uptimeSeconds").asLong()));
        }
        if (s.hasNonNull("time")) {
            title.append(", at ").append(s.get("time").asText());
        }
        lines.add(title.toString());
        line(lines, "connections", count(s, "connections"));
        JsonNode sessions = s.path("sessions");
        line(lines, "sessions", join(count(sessions, "connected", "connected"), count(sessions, "offline", "offline")));
        line(lines, "subscriptions", count(s, "subscriptions"));
        line(lines, "retained messages", count(s, "retainedMessages"));
        line(lines, "queued messages", count(s, "queuedMessages"));
        JsonNode messages = s.path("messages");
        line(lines, "messages", join(count(messages, "received", "received"), count(messages, "sent", "sent"),
                count(messages, "dropped", "dropped")));
        JsonNode bytes = s.path("bytes");
        line(lines, "bytes", join(bytes(bytes, "received", "received"), bytes(bytes, "sent", "sent")));
        JsonNode rates = s.path("rates");
        line(lines, "per second", join(rate(rates, "messagesReceived", "msgs received"),
                rate(rates, "messagesSent", "msgs sent"), bytes(rates, "bytesReceived", "received"),
                bytes(rates, "bytesSent", "sent")));
        line(lines, "dropped by reason", reasons(s.path("dropped")));
        JsonNode store = s.path("store");
        if (store.hasNonNull("commits")) {
            long commits = store.get("commits").asLong();
            String line = commits + " commits";
            if (commits > 0 && store.hasNonNull("commitSecondsSum")) {
                line += String.format(Locale.ROOT, ", %.2f ms mean",
                        store.get("commitSecondsSum").asDouble() * 1000 / commits);
            }
            if (commits > 0 && store.hasNonNull("commitSecondsMax")) {
                line += String.format(Locale.ROOT, ", %.2f ms max", store.get("commitSecondsMax").asDouble() * 1000);
            }
            line(lines, "store", line);
        }
        JsonNode heap = s.path("heap");
        line(lines, "heap", heap.hasNonNull("used") ? bytes(heap.get("used").asDouble())
                + (heap.hasNonNull("max") && heap.get("max").asLong() > 0
                        ? " used of " + bytes(heap.get("max").asDouble()) : " used") : null);
        return lines;
    }

    private static void line(List<String> lines, String label, String value) {
        if (value != null && !value.isEmpty()) {
            lines.add(label + " ".repeat(Math.max(1, LABEL_WIDTH - label.length())) + value);
        }
    }

    private static String count(JsonNode node, String field) {
        return node.hasNonNull(field) ? Long.toString(node.get(field).asLong()) : null;
    }

    private static String count(JsonNode node, String field, String label) {
        return node.hasNonNull(field) ? node.get(field).asLong() + " " + label : null;
    }

    private static String bytes(JsonNode node, String field, String label) {
        return node.hasNonNull(field) ? bytes(node.get(field).asDouble()) + " " + label : null;
    }

    private static String rate(JsonNode node, String field, String label) {
        return node.hasNonNull(field)
                ? String.format(Locale.ROOT, "%.1f %s", node.get(field).asDouble(), label) : null;
    }

    /** {@code queueFull: 3, expired: 0} as {@code queue full 3, expired 0}; every reason the broker names. */
    private static String reasons(JsonNode dropped) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : dropped.properties()) {
            parts.add(words(e.getKey()) + " " + e.getValue().asLong());
        }
        return String.join(", ", parts);
    }

    private static String join(String... parts) {
        List<String> present = new ArrayList<>();
        for (String p : parts) {
            if (p != null) {
                present.add(p);
            }
        }
        return String.join(", ", present);
    }

    /** camelCase as lower-case words: {@code notAuthorized} as {@code not authorized}. */
    static String words(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }

    /** A byte count in B, KiB, MiB or GiB, one decimal past B. */
    static String bytes(double n) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (n < 1024) {
            return Math.round(n) + " B";
        }
        double v = n / 1024;
        int unit = 0;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }

    /** Seconds as {@code 42s}, {@code 5m 3s}, {@code 2h 5m}, {@code 3d 4h}. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
        }
        return seconds / 86400 + "d " + seconds % 86400 / 3600 + "h";
    }
}
