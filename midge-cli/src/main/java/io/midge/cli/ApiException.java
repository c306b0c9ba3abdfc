package io.midge.cli;

/**
 * A management API request that failed: refused by the broker ({@link #status} is the HTTP status) or without an
 * answer ({@link #status} 0). The message is what the command prints after its name.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The HTTP status, or 0 when there was no answer (or none that could be read). */
    final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }
}
