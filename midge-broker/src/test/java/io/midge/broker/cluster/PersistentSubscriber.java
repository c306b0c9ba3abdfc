package io.midge.broker.cluster;

import java.util.List;

/**
 * A subscriber with a persistent session on one node that connects again whenever the connection breaks (while its
 * node is down, as often as it takes) and records the numbered payloads it is handed, in order, duplicates included.
 */
interface PersistentSubscriber {
    /** The numbers handed to the application, in order, duplicates included. */
    List<Long> received();

    /** What went wrong that a crash does not explain (no session present after a reconnect, say). */
    List<String> errors();

    /** Connected (with its session) right now. */
    boolean connected();

    /** Starts its thread: connects, subscribes the first time, reconnects after every break. */
    void start();

    /** Disconnects for good. */
    void stop() throws InterruptedException;
}
