package io.midge.cli;

import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The exit codes of {@code midge pub}, {@code sub} and {@code rr}, and how a failure is told: one line on standard
 * error, {@code midge pub: connection refused: 0x86 Bad user name or password}.
 */
final class ClientFailure {
    /** Done. */
    static final int OK = 0;
    /** The broker refused (connection, publish, subscription: the reason code is printed), TLS failed, or I/O failed. */
    static final int FAILED = 1;
    /** A usage error (picocli's). */
    static final int USAGE = 2;
    /** -W elapsed before the command was done (sub: fewer than -C messages; rr: no response). */
    static final int TIMEOUT = 3;

    static final String EXIT_CODES = "Exit status: 0 done, 1 refused by the broker (the reason code is printed), "
            + "TLS or network failure, 2 usage error, 3 timed out (-W).";

    private ClientFailure() {
    }

    static int report(PrintWriter err, String command, Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        err.println("midge " + command + ": " + message);
        err.flush();
        return FAILED;
    }
}
