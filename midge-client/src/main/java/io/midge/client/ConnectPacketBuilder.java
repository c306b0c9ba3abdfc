package io.midge.client;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;

/**
 * Makes the CONNECT of a connection from the client's settings, with 5.0 properties only where they differ from
 * MQTT's defaults (which the broker assumes when they are absent).
 */
final class ConnectPacketBuilder {
    private ConnectPacketBuilder() {
    }

    /** @param cleanStart Clean Start (5.0) / Clean Session (3.1.1) of this connection; a reconnect may differ */
    static Connect build(ClientOptions options, boolean cleanStart) {
        MqttVersion version = options.version();
        Binary password = options.password() == null ? null : Binary.of(options.password());
        return new Connect(version, options.clientId(), cleanStart, options.keepAliveSeconds(), options.username(),
                password, will(options), version.isV5() ? properties(options) : MqttProperties.EMPTY);
    }

    private static MqttProperties properties(ClientOptions options) {
        MqttProperties.Builder props = MqttProperties.builder();
        if (options.sessionExpiryInterval() > 0) {
            props.set(PropertyId.SESSION_EXPIRY_INTERVAL, options.sessionExpiryInterval());
        }
        if (options.receiveMaximum() != 65535) {
            props.set(PropertyId.RECEIVE_MAXIMUM, (long) options.receiveMaximum());
        }
        if (options.maximumPacketSize() > 0) {
            props.set(PropertyId.MAXIMUM_PACKET_SIZE, (long) options.maximumPacketSize());
        }
        if (options.topicAliasMaximum() > 0) {
            props.set(PropertyId.TOPIC_ALIAS_MAXIMUM, (long) options.topicAliasMaximum());
        }
        if (options.authenticator() != null) {
            new AuthExchange(options.authenticator()).addToConnect(props);
        }
        for (MqttProperties.Property p : options.connectUserProperties().asList()) {
            props.add(p);
        }
        return props.build();
    }

    private static Will will(ClientOptions options) {
        OutgoingMessage w = options.will();
        if (w == null) {
            return null;
        }
        boolean v5 = options.version().isV5();
        MqttProperties properties = v5 ? w.properties() : MqttProperties.EMPTY;
        if (v5 && options.willDelayInterval() > 0) {
            properties = properties.toBuilder().set(PropertyId.WILL_DELAY_INTERVAL, options.willDelayInterval())
                    .build();
        }
        return new Will(w.topic(), Binary.of(w.payload()), w.qos(), w.retain(), properties);
    }
}
