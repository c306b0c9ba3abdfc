package io.midge.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code midge kick}: disconnects a client ({@code DELETE /api/v1/clients/{id}}), with --session its session too. */
@Command(name = "kick", sortOptions = false,
        description = "Disconnects a client through the broker's management API (MQTT 5 clients get DISCONNECT "
                + "0x98 Administrative action); with --session also discards its session.",
        footer = {"", "Examples:",
                "  midge kick sensor-1",
                "  midge kick sensor-1 --session",
                "  midge kick sensor-1 --url http://broker.example:8080 -u root -P secret",
                "", ApiOptions.EXIT_CODES})
final class KickCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The client identifier.")
    String clientId;

    @Option(names = "--session",
            description = "Also discard the session (subscriptions and queued messages), connected or not.")
    boolean session;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        ManagementApi management = api.api();
        try {
            management.delete("clients/" + ManagementApi.segment(clientId),
                    session ? Map.of("session", "true") : Map.of(),
                    "no client '" + Table.printable(clientId) + "'");
        } catch (ApiException e) {
            return api.fail(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("kicked '" + Table.printable(clientId) + "'" + (session ? " and discarded its session" : ""));
        out.flush();
        return ClientFailure.OK;
    }
}
