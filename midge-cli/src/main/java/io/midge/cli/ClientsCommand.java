package io.midge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code midge clients}: the broker's clients, connected and offline, from {@code GET /api/v1/clients}. */
@Command(name = "clients", sortOptions = false,
        description = "Lists the broker's clients (connected, and offline sessions) through its management API.",
        footer = {"", "Examples:",
                "  midge clients",
                "  midge clients --prefix sensor- --connected",
                "  midge clients --user alice --limit 1000 --json",
                "  midge clients --url http://broker.example:8080 -u root -P secret",
                "", ApiOptions.EXIT_CODES})
final class ClientsCommand implements Callable<Integer> {
    /** Connected only, or offline only; neither: both. */
    static final class State {
        @Option(names = "--connected", description = "Only clients with a connection.")
        boolean connected;

        @Option(names = "--offline", description = "Only sessions without a connection.")
        boolean offline;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Option(names = "--prefix", paramLabel = "TEXT", description = "Only client identifiers that start with TEXT.")
    String prefix;

    @Option(names = "--user", paramLabel = "USER", description = "Only clients logged in as USER.")
    String user;

    @ArgGroup(exclusive = true)
    State state;

    @Option(names = "--limit", paramLabel = "N", description = "At most N clients (default 100).")
    int limit = 100;

    @Option(names = "--json", description = "Print the API's JSON: {\"items\": [client...], \"next\": cursor|null}.")
    boolean json;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more");
        }
        ManagementApi management = api.api();
        Map<String, String> query = new LinkedHashMap<>();
        if (prefix != null) {
            query.put("prefix", prefix);
        }
        if (user != null) {
            query.put("user", user);
        }
        if (state != null) {
            query.put("connected", Boolean.toString(state.connected));
        }
        ManagementApi.Page page;
        try {
            page = management.items("clients", query, limit);
        } catch (ApiException e) {
            return api.fail(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(page.toJson());
        } else if (page.items().isEmpty()) {
            out.println("no clients" + (query.isEmpty() ? "" : " match"));
        } else {
            table(page.items()).print(out);
            if (page.next() != null) {
                out.println("(more than " + limit + "; --limit shows more)");
            }
        }
        out.flush();
        return ClientFailure.OK;
    }

    /** One line per client: what an operator looks at first. */
    static Table table(List<JsonNode> clients) {
        Table table = new Table("CLIENT ID", "STATE", "USER", "ADDRESS", "MQTT", "SUBS", "INFLIGHT", "QUEUED",
                "MSGS IN", "MSGS OUT", "CONNECTED SINCE");
        for (JsonNode c : clients) {
            table.row(ManagementApi.text(c, "clientId"), c.path("connected").asBoolean() ? "connected" : "offline",
                    ManagementApi.text(c, "username"), ManagementApi.text(c, "address"),
                    ManagementApi.text(c, "protocolVersion"), ManagementApi.number(c, "subscriptions"),
                    ManagementApi.number(c, "inflight"), ManagementApi.number(c, "queued"),
                    ManagementApi.number(c, "messagesIn"), ManagementApi.number(c, "messagesOut"),
                    ManagementApi.text(c, "connectedSince"));
        }
        return table;
    }
}
