package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;

/**
 * A successful CONNACK and the limits the broker set for this connection.
 *
 * @param version           the protocol version spoken
 * @param sessionPresent    whether the broker resumed an existing session
 * @param properties        the CONNACK properties (MQTT 5.0)
 * @param receiveMaximum    QoS 1/2 publishes the client may have unacknowledged (65535 when the broker sets none)
 * @param maximumPacketSize the largest packet the broker accepts (0 when it sets none)
 * @param topicAliasMaximum the topic aliases the client may use (0: none)
 * @param maximumQos        the highest QoS the broker accepts
 * @param retainAvailable   whether the broker supports retained messages
 * @param assignedClientId  the client identifier the broker assigned, or null when the client chose its own
 * @param keepAlive         the keep-alive in seconds in force (the broker's Server Keep Alive when it sent one)
 */
public record ConnectResult(MqttVersion version, boolean sessionPresent, MqttProperties properties,
                            int receiveMaximum, long maximumPacketSize, int topicAliasMaximum, int maximumQos,
                            boolean retainAvailable, String assignedClientId, int keepAlive) {

    static ConnectResult of(MqttVersion version, boolean sessionPresent, MqttProperties p, int requestedKeepAlive) {
        return new ConnectResult(version, sessionPresent, p,
                (int) p.number(PropertyId.RECEIVE_MAXIMUM, 65535),
                p.number(PropertyId.MAXIMUM_PACKET_SIZE, 0),
                (int) p.number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0),
                (int) p.number(PropertyId.MAXIMUM_QOS, 2),
                p.number(PropertyId.RETAIN_AVAILABLE, 1) == 1,
                p.string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER),
                (int) p.number(PropertyId.SERVER_KEEP_ALIVE, requestedKeepAlive));
    }
}
