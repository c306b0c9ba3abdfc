package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message the broker delivered to this client. The payload is the client's own copy.
 *
 * @param topic      the topic name (a Topic Alias already resolved)
 * @param payload    the payload
 * @param qos        the QoS it was delivered with
 * @param retain     whether it is a retained message (sent because of a subscription) or forwarded as retained
 * @param dup        whether the broker marked it as a possible duplicate
 * @param packetId   its packet identifier (0 for QoS 0)
 * @param properties its MQTT 5.0 properties, empty with 3.1.1
 */
public record IncomingMessage(String topic, byte[] payload, int qos, boolean retain, boolean dup, int packetId,
                              MqttProperties properties) {

    /** The payload decoded as UTF-8. */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** MQTT 5.0: the Response Topic, or null. */
    public String responseTopic() {
        return properties.string(PropertyId.RESPONSE_TOPIC);
    }

    /** MQTT 5.0: the Correlation Data, or null. */
    public byte[] correlationData() {
        Binary data = properties.binary(PropertyId.CORRELATION_DATA);
        return data == null ? null : data.toByteArray();
    }

    /** MQTT 5.0: the User Properties, in order. */
    public List<UserProperty> userProperties() {
        return properties.userProperties();
    }

    @Override
    public String toString() {
        return "IncomingMessage[topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", payload="
                + payload.length + " bytes]";
    }
}
