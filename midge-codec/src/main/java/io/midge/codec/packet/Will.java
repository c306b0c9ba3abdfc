package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.Binary;
import java.util.Objects;

/** The will message of a CONNECT: published by the server when the client vanishes without DISCONNECT. */
public record Will(String topic, Binary payload, int qos, boolean retain, MqttProperties properties) {
    public Will {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(properties, "properties");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos out of range: " + qos);
        }
    }
}
