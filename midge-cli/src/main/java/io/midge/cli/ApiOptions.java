package io.midge.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the management API is and who calls it, as {@code midge clients}, {@code kick}, {@code retained} and
 * {@code stats} share it; and how they end: the exit codes of {@link ClientFailure}.
 */
final class ApiOptions {
    static final String EXIT_CODES = "Exit status: 0 done, 1 refused by the broker (401, 403, 404, ...: the status "
            + "is printed) or the broker cannot be reached, 2 usage error.";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL",
            description = "The broker's HTTP address (default http://127.0.0.1:8080).")
    String url = "http://127.0.0.1:8080";

    @Option(names = {"-u", "--username"}, paramLabel = "USER",
            description = "User of the broker's password file whom the ACL grants admin (HTTP Basic).")
    String username;

    @Option(names = {"-P", "--password", "--pw"}, paramLabel = "PASSWORD",
            description = "Its password (asked on the console when -u comes without -P).")
    String password;

    ManagementApi api() {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null || uri.getQuery() != null) {
            throw new ParameterException(spec.commandLine(),
                    "--url must be http:// or https://, a host and maybe a port, e.g. http://127.0.0.1:8080 (not '"
                            + url + "')");
        }
        if (password != null && username == null) {
            throw new ParameterException(spec.commandLine(), "-P needs a user name (-u)");
        }
        String secret = password;
        Console console = System.console();
        if (username != null && secret == null && console != null) {
            char[] typed = console.readPassword("Password for %s: ", username); // not on the command line, then
            secret = typed == null ? null : new String(typed);
        }
        return new ManagementApi(url, username, secret);
    }

    /** Prints the failure as one line, {@code midge kick: no client 'x' (404)}, and gives the exit code. */
    int fail(ApiException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("midge " + spec.name() + ": " + e.getMessage());
        err.flush();
        return ClientFailure.FAILED;
    }
}
