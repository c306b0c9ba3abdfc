package io.midge.client;

/** Told when the client's connection comes and goes; called on the client's event loop. */
public interface ConnectionListener {
    /** A connection is established (the first or a reconnect). */
    default void connected(ConnectResult result) {
    }

    /** An established connection ended; {@code cause} says why. The client reconnects unless told otherwise. */
    default void disconnected(Throwable cause) {
    }
}
