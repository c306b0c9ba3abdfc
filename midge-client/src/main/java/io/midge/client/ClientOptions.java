package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import java.time.Duration;

/** The settings of one client, as its builder collected them. */
record ClientOptions(String host, int port, MqttVersion version, String clientId, boolean cleanStart,
                     int keepAliveSeconds, long sessionExpiryInterval, String username, byte[] password,
                     OutgoingMessage will, long willDelayInterval, MqttProperties connectUserProperties,
                     int receiveMaximum, int maximumPacketSize, int topicAliasMaximum, boolean useTopicAliases,
                     TlsSettings tls, String webSocketPath, ReconnectPolicy reconnect, Duration connectTimeout,
                     EnhancedAuthenticator authenticator, boolean resubscribe) {

    /** Whether the broker keeps the session after a connection ends, so that a reconnect can resume it. */
    boolean sessionOutlivesConnection() {
        return version.isV5() ? sessionExpiryInterval > 0 : !cleanStart;
    }
}
