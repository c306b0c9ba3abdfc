package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * What a {@link SessionMailbox} holds, counted: messages and payload bytes in its inbox and its queue together, the
 * room a producer on any loop reserves before it adds a message (only where the message fits, so the counts never
 * pass their bound, not even for an instant: what they say is what the session holds), freed as the owner loop takes
 * a message out. Each message in or out also changes the broker-wide count ({@link BrokerMetrics#queuedMessages}).
 *
 * <p>The mailbox's superclass rather than an object it holds: every idle connection has a mailbox, so its counters
 * are fields of it updated atomically, not objects of their own (the reason they are not Atomic* objects either).
 */
abstract class MailboxCount {
    private static final AtomicIntegerFieldUpdater<MailboxCount> PENDING_MESSAGES =
            AtomicIntegerFieldUpdater.newUpdater(MailboxCount.class, "pendingMessages");
    private volatile int pendingMessages;
    private static final AtomicLongFieldUpdater<MailboxCount> PENDING_BYTES =
            AtomicLongFieldUpdater.newUpdater(MailboxCount.class, "pendingBytes");
    private volatile long pendingBytes;
    private final BrokerMetrics metrics;

    MailboxCount(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    /** Messages waiting (inbox and queue). */
    int pendingMessages() {
        return pendingMessages;
    }

    long pendingBytes() {
        return pendingBytes;
    }

    /**
     * From any thread: reserves room for one message of {@code size} bytes and counts it, if it fits within
     * {@code maxMessages} and {@code maxBytes}; else reserves nothing (a message reserved gives its room back when
     * the bytes do not fit) and returns false.
     */
    boolean reserve(int size, long maxMessages, long maxBytes) {
        if (!reserveMessage(maxMessages)) {
            return false;
        }
        if (!reserveBytes(size, maxBytes)) {
            PENDING_MESSAGES.decrementAndGet(this);
            return false;
        }
        metrics.queuedMessages.increment();
        return true;
    }

    private boolean reserveMessage(long limit) {
        while (true) {
            int n = pendingMessages;
            if (n + 1L > limit) {
                return false;
            }
            if (PENDING_MESSAGES.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    private boolean reserveBytes(long amount, long limit) {
        while (true) {
            long n = pendingBytes;
            if (n + amount > limit) {
                return false;
            }
            if (PENDING_BYTES.compareAndSet(this, n, n + amount)) {
                return true;
            }
        }
    }

    /** Frees the room of a delivery leaving the mailbox (taken, dropped or released). */
    void unpend(Delivery d) {
        PENDING_MESSAGES.decrementAndGet(this);
        metrics.queuedMessages.decrement();
        PENDING_BYTES.addAndGet(this, -d.message().payloadSize());
    }

    /** Counts a delivery put into the queue by other means than an offer (which reserves its room first). */
    void pend(Delivery d) {
        PENDING_MESSAGES.incrementAndGet(this);
        metrics.queuedMessages.increment();
        PENDING_BYTES.addAndGet(this, d.message().payloadSize());
    }
}
