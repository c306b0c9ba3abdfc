package io.midge.client;

/**
 * Receives every message the broker delivers, on the client's event loop, in the order they arrived. It must not
 * block: hand slow work to another thread, or use {@link MidgeClient#messages()} with backpressure instead.
 */
@FunctionalInterface
public interface MessageListener {
    /** One delivered message. */
    void onMessage(IncomingMessage message);
}
