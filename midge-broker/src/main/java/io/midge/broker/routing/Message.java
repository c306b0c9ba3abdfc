package io.midge.broker.routing;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

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
 * @param forwardId        in a cluster, what makes the message the same on every node it reached: a number the
 *                         node it was published on gave it when it went to another node and somewhere else too
 *                         (with that node, named by the link it came in by, it tells a copy from another message:
 *                         see {@code HandoverGiving}); 0 when it has none
 */
public record Message(String topic, int qos, boolean retain, ByteBuf payload, MqttProperties properties,
                      long expiryDeadline, String publisherId, long forwardId) {

    public static final long NEVER = Long.MAX_VALUE;

    /** A message without a {@link #forwardId}. */
    public Message(String topic, int qos, boolean retain, ByteBuf payload, MqttProperties properties,
                   long expiryDeadline, String publisherId) {
        this(topic, qos, retain, payload, properties, expiryDeadline, publisherId, 0);
    }

    /** The same message (the same payload, not another reference to it) with this {@link #forwardId}. */
    public Message withForwardId(long id) {
        return new Message(topic, qos, retain, payload, properties, expiryDeadline, publisherId, id);
    }

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

    /**
     * As {@link #remainingExpirySeconds(long)} at this moment. The clock is read only for a message that expires:
     * a link sends every message in MQTT 5, and a clock read per message cost a node's sender a few per cent.
     */
    public long remainingExpirySeconds() {
        return expiryDeadline == NEVER ? -1 : remainingExpirySeconds(System.nanoTime());
    }

    /**
     * The message as published at {@code now}: a Message Expiry Interval still among its properties, as a will
     * keeps it until it is published (MQTT 5.0 section 3.1.3.2.4), becomes its deadline from now.
     */
    public Message publishedAt(long now) {
        OptionalLong interval = properties.number(PropertyId.MESSAGE_EXPIRY_INTERVAL);
        if (interval.isEmpty()) {
            return this;
        }
        return new Message(topic, qos, retain, payload, properties.without(PropertyId.MESSAGE_EXPIRY_INTERVAL),
                now + TimeUnit.SECONDS.toNanos(interval.getAsLong()), publisherId);
    }

    public int payloadSize() {
        return payload.readableBytes();
    }
}
