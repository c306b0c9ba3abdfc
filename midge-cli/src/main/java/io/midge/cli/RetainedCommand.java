package io.midge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code midge retained}: the retained messages that match a topic filter, from {@code GET /api/v1/retained}. */
@Command(name = "retained", sortOptions = false,
        description = "Lists the retained messages that match an MQTT topic filter, through the broker's management "
                + "API.",
        footer = {"", "Examples:",
                "  midge retained",
                "  midge retained 'ward3/+/heartrate'",
                "  midge retained 'config/#' --json",
                "", "A payload that is not UTF-8 is shown in base64, as base64:...; a long one is cut",
                "(--json has all).",
                "", ApiOptions.EXIT_CODES})
final class RetainedCommand implements Callable<Integer> {
    /** Longest payload the table shows, in characters. */
    static final int PAYLOAD_WIDTH = 60;

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILTER",
            description = "MQTT topic filter (default #: all but the $SYS topics).")
    String filter = "#";

    @Option(names = "--limit", paramLabel = "N", description = "At most N messages (default 100).")
    int limit = 100;

    @Option(names = "--json", description = "Print the API's JSON: {\"items\": [message...], \"next\": cursor|null}.")
    boolean json;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more");
        }
        ManagementApi management = api.api();
        ManagementApi.Page page;
        try {
            page = management.items("retained", Map.of("filter", filter), limit);
        } catch (ApiException e) {
            return api.fail(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(page.toJson());
        } else if (page.items().isEmpty()) {
            out.println("no retained messages match '" + Table.printable(filter) + "'");
        } else {
            table(page.items()).print(out);
            if (page.next() != null) {
                out.println("(more than " + limit + "; --limit shows more)");
            }
        }
        out.flush();
        return ClientFailure.OK;
    }

    static Table table(List<JsonNode> messages) {
        Table table = new Table("TOPIC", "QOS", "BYTES", "PAYLOAD");
        for (JsonNode m : messages) {
            table.row(ManagementApi.text(m, "topic"), ManagementApi.number(m, "qos"),
                    ManagementApi.number(m, "payloadBytes"), payload(m));
        }
        return table;
    }

    /** The payload as text when it is UTF-8, else {@code base64:...}; cut to {@link #PAYLOAD_WIDTH} characters. */
    static String payload(JsonNode message) {
        String payload = message.path("payload").asText("");
        String shown = Table.printable(
                "base64".equals(message.path("payloadEncoding").asText()) ? "base64:" + payload : payload);
        if (shown.codePointCount(0, shown.length()) <= PAYLOAD_WIDTH) {
            return shown;
        }
        return shown.substring(0, shown.offsetByCodePoints(0, PAYLOAD_WIDTH - 3)) + "...";
    }
}
