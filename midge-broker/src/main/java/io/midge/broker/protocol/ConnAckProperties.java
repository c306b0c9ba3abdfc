package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ProtocolConfig;
import io.midge.codec.protocol.Binary;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import java.util.function.Predicate;

/**
 * The properties of a successful 5.0 CONNACK: the broker's limits wherever they differ from what a client assumes
 * without being told (MQTT 5.0 section 3.2.2.3), and what the broker decided for this client.
 */
final class ConnAckProperties {
    private ConnAckProperties() {
    }

    /**
     * The keep-alive the broker holds the client to: its own, unless it asks for more than the broker allows (or
     * for none), in which case the broker's maximum, told as Server Keep Alive.
     */
    static int grantedKeepAlive(BrokerConfig config, int requested) {
        int max = config.protocol().maxKeepAlive();
        return max > 0 && (requested == 0 || requested > max) ? max : requested;
    }

    /** @param topicAliasMaximum the aliases the connection's table takes ({@code Mqtt5Dialect.negotiate} chose) */
    static MqttProperties of(BrokerConfig config, Connect connect, String clientId, boolean assignedClientId,
                             long sessionExpiry, int topicAliasMaximum, String authMethod, Binary authData) {
        ProtocolConfig protocol = config.protocol();
        MqttProperties requested = connect.properties();
        MqttProperties.Builder props = MqttProperties.builder();
        if (sessionExpiry != requested.number(PropertyId.SESSION_EXPIRY_INTERVAL, 0)) {
            props.add(PropertyId.SESSION_EXPIRY_INTERVAL, sessionExpiry);
        }
        if (protocol.receiveMaximum() != 65535) {
            props.add(PropertyId.RECEIVE_MAXIMUM, protocol.receiveMaximum());
        }
        if (protocol.maximumQos() < 2) {
            props.add(PropertyId.MAXIMUM_QOS, protocol.maximumQos());
        }
        if (!protocol.retainAvailable()) {
            props.add(PropertyId.RETAIN_AVAILABLE, 0);
        }
        props.add(PropertyId.MAXIMUM_PACKET_SIZE, protocol.maxPacketSize());
        if (assignedClientId) {
            props.add(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, clientId);
        }
        if (topicAliasMaximum > 0) {
            props.add(PropertyId.TOPIC_ALIAS_MAXIMUM, topicAliasMaximum);
        }
        int keepAlive = grantedKeepAlive(config, connect.keepAlive());
        if (keepAlive != connect.keepAlive()) {
            props.add(PropertyId.SERVER_KEEP_ALIVE, keepAlive);
        }
        if (requested.number(PropertyId.REQUEST_RESPONSE_INFORMATION, 0) == 1
                && !protocol.responseInformation().isEmpty()) {
            props.add(PropertyId.RESPONSE_INFORMATION, protocol.responseInformation() + clientId);
        }
        // Absent means available, but some clients and test suites trust only what is said (§3.2.2.3.11-13).
        props.add(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE, 1);
        props.add(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 1);
        props.add(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE, 1);
        if (authMethod != null) {
            props.add(PropertyId.AUTHENTICATION_METHOD, authMethod);
            if (authData != null) {
                props.add(PropertyId.AUTHENTICATION_DATA, authData);
            }
        }
        return props.build();
    }

    /**
     * The properties cut until the CONNACK fits the client's Maximum Packet Size (MQTT-3.1.2-24): first without
     * Reason String and User Properties (MQTT-3.2.2-19, -20), then without the statements of availability, which
     * only repeat what their absence means; null when even that does not fit, and the client gets no CONNACK.
     */
    static MqttProperties fitted(MqttProperties props, Predicate<MqttProperties> fits) {
        if (fits.test(props)) {
            return props;
        }
        MqttProperties bare = props.without(PropertyId.REASON_STRING, PropertyId.USER_PROPERTY);
        if (fits.test(bare)) {
            return bare;
        }
        MqttProperties least = bare.without(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE,
                PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, PropertyId.SHARED_SUBSCRIPTION_AVAILABLE);
        return fits.test(least) ? least : null;
    }
}
