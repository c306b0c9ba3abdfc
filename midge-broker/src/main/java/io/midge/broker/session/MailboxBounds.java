package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.metrics.BrokerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounds a {@link SessionMailbox} keeps to, and what a message dropped at them costs: the clients' bounds from
 * the configuration ({@code max-queued-messages}, {@code max-queued-bytes}, {@code queue-overflow}), or the
 * session's own ({@link QueueBounds}: a bridge's queue, a cluster node's forwarding queue); each drop counted and
 * logged without flooding the log. The mailbox applies them; this says what they are.
 *
 * <p>Callers read {@link #own} once per operation and pass it on, so that one offer or trim sees one set of bounds
 * even while {@link #set} replaces them. Threads: the bounds and {@link #droppedNew} from any thread (publishers
 * offer on any loop); {@link #droppedOldest} and {@link #trimmed} on the session's loop only.
 */
final class MailboxBounds {
    // The mailbox's logger, as these lines always were: a log configuration may name it.
    private static final Logger log = LoggerFactory.getLogger(SessionMailbox.class);

    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    /**
     * Bounds of this session's own instead of the clients' (a bridge's queue, a cluster node's forwarding queue), or
     * null: the clients' ({@code max-queued-messages}, {@code max-queued-bytes}, {@code queue-overflow}).
     */
    private volatile QueueBounds own;
    /** Whether a forwarding queue is dropping now: logged once per such episode. Owned by the loop. */
    private boolean dropping;
    private int queueDropsLogged;

    MailboxBounds(BrokerConfig config, BrokerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** Bounds of this session's own in place of the clients' (see {@link QueueBounds}). */
    void set(QueueBounds bounds) {
        own = bounds;
    }

    /** The session's own bounds, or null for the clients'. */
    QueueBounds own() {
        return own;
    }

    int maxMessages(QueueBounds b) {
        return b == null ? config.limits().maxQueuedMessages() : b.maxMessages();
    }

    long maxBytes(QueueBounds b) {
        return b == null ? config.limits().maxQueuedBytes() : b.maxBytes();
    }

    QueueOverflow overflow(QueueBounds b) {
        return b == null ? config.limits().queueOverflow() : b.overflow();
    }

    /** Whether the broker keeps the queued QoS 0 messages of a client gone offline. */
    boolean keepsOfflineQos0() {
        return config.limits().queueQos0();
    }

    /** A new message did not fit and was refused: counted, and logged unless a forwarding queue's. */
    void droppedNew(QueueBounds b, String clientId) {
        countDrop(b);
        if (b == null || !b.forwarding()) {
            logDrop(b, clientId); // a forwarding queue's drops are logged per episode, as its loop trims it
        }
    }

    private void logDrop(QueueBounds b, String clientId) {
        // One line at the first drop and then one per thousand, so that a flood does not flood the log too.
        long n = metrics.droppedQueueFull.sum();
        if (n == 1 || n % 1000 == 0) {
            log.warn("Queue of client '{}' is full ({} messages, {} bytes at most): dropped a message ({} dropped "
                    + "so far by all clients)", clientId, maxMessages(b), maxBytes(b), n);
        }
    }

    /** The oldest queued message was dropped to keep to the bounds: counted; logged once per thousand. */
    void droppedOldest(QueueBounds b, String clientId) {
        countDrop(b);
        boolean forwarding = b != null && b.forwarding();
        if (!forwarding && queueDropsLogged++ % 1000 == 0) {
            log.warn("Queue of client '{}' is full: dropped its oldest message", clientId);
        }
    }

    /**
     * A trim is done: a forwarding queue logs once per episode, from the first drop until it holds less than its
     * bounds again.
     */
    void trimmed(QueueBounds b, boolean dropped, int pendingMessages, long pendingBytes, String clientId) {
        if (b == null || !b.forwarding()) {
            return;
        }
        int maxMessages = maxMessages(b);
        long maxBytes = maxBytes(b);
        if (dropped && !dropping) {
            dropping = true;
            log.warn("Forwarding queue '{}' is full ({} messages, {} bytes at most): dropping its oldest messages "
                    + "until the node takes them again (counted as node_queue_full)", clientId,
                    maxMessages, maxBytes);
        } else if (!dropped && dropping && pendingMessages < maxMessages && pendingBytes < maxBytes) {
            dropping = false;
            log.info("Forwarding queue '{}' is below its bounds again: {} messages dropped in all so far by such "
                    + "queues", clientId, metrics.droppedNodeQueueFull.sum());
        }
    }

    /** Counts a message dropped at the bound: a forwarding queue's as node_queue_full, the others' as queue_full. */
    private void countDrop(QueueBounds b) {
        if (b == null) {
            metrics.droppedQueueFull.increment();
            return;
        }
        (b.forwarding() ? metrics.droppedNodeQueueFull : metrics.droppedQueueFull).increment();
        b.dropped().increment();
    }
}
