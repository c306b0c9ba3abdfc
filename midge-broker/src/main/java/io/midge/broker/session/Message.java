package io.midge.broker.session;

import io.midge.codec.property.MqttProperties;
import io.netty.buffer.ByteBuf;

/**
 * An application message inside the broker, as published: no packet identifier, no topic alias, no subscription
 * identifiers, and the Message Expiry Interval turned into a deadline. The payload is shared by every delivery;
 * each holder of a {@link Delivery} holds one reference to it, so the payload is never copied per subscriber.
 *
 * @param properties       the properties forwarded unchanged (user properties, content type, response topic,
 *                         correlation data, payload format indicator)
 * @param expiryDeadline   {@link System#nanoTime()} after which the message is not delivered, or
 *                         {@link Long#MAX_VALUE} when it never expires
 * @param publisherId      the client identifier of the publisher (for No Local), or null for the broker itself
 */
public record Message(String topic, int qos, boolean retain, ByteBuf payload, MqttProperties properties,
                      long expiryDeadline, String publisherId) {

    public static final long NEVER = Long.MAX_VALUE;

    public boolean isExpired(long now) {
        return expiryDeadline != NEVER && now - expiryDeadline >= 0;
    }

    /** Seconds left before the message expires, at least 1 while it has not; -1 when it never expires. */
    public long remainingExpirySeconds(long now) {
        if (expiryDeadline == NEVER) {
            return -1;
        }
        long nanos = expiryDeadline - now;
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    public int payloadSize() {
        return payload.readableBytes();
    }
}
