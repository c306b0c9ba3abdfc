package io.midge.broker.persistence;

import io.midge.codec.property.MqttProperties;
import java.util.Arrays;
import java.util.Objects;

/**
 * An application message as the store keeps it: a heap copy of the payload (the broker's {@code ByteBuf} is never
 * held here) and the expiry as wall-clock time, which, unlike {@link System#nanoTime()}, means something after a
 * restart.
 *
 * @param properties      the MQTT 5 properties forwarded with the message (user properties, content type, ...)
 * @param expiresAtMillis epoch milliseconds at which the message expires, or {@link #NEVER}
 * @param publisherId     the client identifier of the publisher (for No Local), or null for the broker itself
 */
public record StoredMessage(String topic, int qos, boolean retain, byte[] payload, MqttProperties properties,
                            long expiresAtMillis, String publisherId) {
    public static final long NEVER = Long.MAX_VALUE;

    public StoredMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(properties, "properties");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    public boolean isExpired(long nowMillis) {
        return expiresAtMillis != NEVER && nowMillis >= expiresAtMillis;
    }

    // A record compares arrays by identity; a stored message is a value, compared by its payload's content.
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredMessage m && qos == m.qos && retain == m.retain
                && expiresAtMillis == m.expiresAtMillis && topic.equals(m.topic) && Arrays.equals(payload, m.payload)
                && properties.equals(m.properties) && Objects.equals(publisherId, m.publisherId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, qos, retain, Arrays.hashCode(payload), properties, expiresAtMillis, publisherId);
    }

    @Override
    public String toString() {
        return "StoredMessage[topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", payload="
                + payload.length + " bytes, properties=" + properties + ", expiresAtMillis=" + expiresAtMillis
                + ", publisherId=" + publisherId + "]";
    }
}
