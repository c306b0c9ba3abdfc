package io.midge.broker.routing;

import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;

/**
 * Turns messages into what the store keeps and back. A message's deadline is {@link System#nanoTime()}, which means
 * nothing after a restart; the store keeps wall-clock time instead, converted at the moment of writing and reading.
 */
public final class StoredMessages {
    private StoredMessages() {
    }

    /** A heap copy of the message for the store; the message keeps its payload reference. */
    public static StoredMessage toStored(Message m) {
        long expiresAt = StoredMessage.NEVER;
        if (m.expiryDeadline() != Message.NEVER) {
            long nanosLeft = m.expiryDeadline() - System.nanoTime();
            expiresAt = System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanosLeft));
        }
        return new StoredMessage(m.topic(), m.qos(), m.retain(), ByteBufUtil.getBytes(m.payload()), m.properties(),
                expiresAt, m.publisherId());
    }

    /**
     * The message again, its payload an unpooled heap buffer over the stored bytes: never leak-tracked, and safe to
     * share between loops like the retained store's copies.
     */
    public static Message fromStored(StoredMessage m) {
        long deadline = Message.NEVER;
        if (m.expiresAtMillis() != StoredMessage.NEVER) {
            long millisLeft = Math.max(0, m.expiresAtMillis() - System.currentTimeMillis());
            deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millisLeft);
        }
        return new Message(m.topic(), m.qos(), m.retain(), Unpooled.wrappedBuffer(m.payload()), m.properties(),
                deadline, m.publisherId());
    }

    /** A restored delivery, kept in the store's queue under {@code sequence}; it owns its message's payload. */
    public static Delivery fromStored(StoredDelivery d, long sequence) {
        return new Delivery(fromStored(d.message()), d.qos(), d.retain(), d.subscriptionIds(), d.shared(), sequence);
    }

    /** What the store keeps of a delivery, over the message as stored once for all its subscribers. */
    public static StoredDelivery toStored(Delivery d, StoredMessage message) {
        return new StoredDelivery(message, d.qos(), d.retain(), d.subscriptionIds(), d.shared());
    }
}
