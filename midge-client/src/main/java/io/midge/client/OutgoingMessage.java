package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message to publish. Build one with {@link #of(String, byte[], int)} or {@link #builder(String)}; the payload
 * array is not copied, so do not change it after handing the message to the client.
 *
 * @param topic      the topic name (no wildcards)
 * @param payload    the payload, possibly empty
 * @param qos        0, 1 or 2
 * @param retain     whether the broker keeps it as the topic's retained message
 * @param properties MQTT 5.0 PUBLISH properties (message expiry, response topic, correlation data, user properties,
 *                   content type, payload format); ignored with 3.1.1. A Topic Alias is the client's business and
 *                   must not be given here.
 */
public record OutgoingMessage(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
    /** Validates the values. */
    public OutgoingMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(properties, "properties");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (topic.isEmpty() || topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw new IllegalArgumentException("not a topic name: '" + topic + "'");
        }
        if (properties.contains(PropertyId.TOPIC_ALIAS)) {
            throw new IllegalArgumentException("topic aliases are assigned by the client");
        }
    }

    /** A message without properties, not retained. */
    public static OutgoingMessage of(String topic, byte[] payload, int qos) {
        return new OutgoingMessage(topic, payload, qos, false, MqttProperties.EMPTY);
    }

    /** A message with a UTF-8 text payload, not retained. */
    public static OutgoingMessage of(String topic, String payload, int qos) {
        return of(topic, payload.getBytes(StandardCharsets.UTF_8), qos);
    }

    /** A builder for a message to {@code topic}. */
    public static Builder builder(String topic) {
        return new Builder(topic);
    }

    /** Builds an {@link OutgoingMessage}. */
    public static final class Builder {
        private final String topic;
        private byte[] payload = new byte[0];
        private int qos;
        private boolean retain;
        private final MqttProperties.Builder properties = MqttProperties.builder();

        private Builder(String topic) {
            this.topic = topic;
        }

        /** The payload (not copied). */
        public Builder payload(byte[] payload) {
            this.payload = payload;
            return this;
        }

        /** The payload as UTF-8. */
        public Builder payload(String payload) {
            return payload(payload.getBytes(StandardCharsets.UTF_8));
        }

        /** The quality of service, 0 to 2. */
        public Builder qos(int qos) {
            this.qos = qos;
            return this;
        }

        /** Whether the message is retained. */
        public Builder retain(boolean retain) {
            this.retain = retain;
            return this;
        }

        /** MQTT 5.0: the Message Expiry Interval in seconds. */
        public Builder messageExpiryInterval(long seconds) {
            properties.set(PropertyId.MESSAGE_EXPIRY_INTERVAL, seconds);
            return this;
        }

        /** MQTT 5.0: the Response Topic of a request. */
        public Builder responseTopic(String topic) {
            properties.set(PropertyId.RESPONSE_TOPIC, topic);
            return this;
        }

        /** MQTT 5.0: the Correlation Data of a request or response. */
        public Builder correlationData(byte[] data) {
            properties.set(PropertyId.CORRELATION_DATA, Binary.of(data));
            return this;
        }

        /** MQTT 5.0: the Content Type. */
        public Builder contentType(String contentType) {
            properties.set(PropertyId.CONTENT_TYPE, contentType);
            return this;
        }

        /** MQTT 5.0: the Payload Format Indicator (true: UTF-8 text). */
        public Builder utf8Payload(boolean utf8) {
            properties.set(PropertyId.PAYLOAD_FORMAT_INDICATOR, utf8 ? 1L : 0L);
            return this;
        }

        /** MQTT 5.0: adds a User Property (they may repeat). */
        public Builder userProperty(String name, String value) {
            properties.userProperty(name, value);
            return this;
        }

        /** MQTT 5.0: adds any PUBLISH property. */
        public Builder property(PropertyId id, Object value) {
            properties.set(id, value);
            return this;
        }

        /** The message. */
        public OutgoingMessage build() {
            return new OutgoingMessage(topic, payload, qos, retain, properties.build());
        }
    }
}
