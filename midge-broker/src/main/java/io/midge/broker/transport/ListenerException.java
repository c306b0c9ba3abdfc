package io.midge.broker.transport;

/**
 * A listener that cannot start: its certificate or key cannot be read or used, or its address cannot be bound.
 * The message names the listener and the file or address, so that it can be shown as it is.
 */
public final class ListenerException extends RuntimeException {
    public ListenerException(String message) {
        super(message);
    }

    public ListenerException(String message, Throwable cause) {
        super(message, cause);
    }
}
