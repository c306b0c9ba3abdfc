package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.CONNECT_TIMEOUT;
import static io.midge.broker.config.ConfigKeys.MAXIMUM_QOS;
import static io.midge.broker.config.ConfigKeys.MAX_KEEP_ALIVE;
import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.config.ConfigKeys.MAX_SESSION_EXPIRY;
import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static io.midge.broker.config.ConfigKeys.RESPONSE_INFORMATION;
import static io.midge.broker.config.ConfigKeys.RETAIN_AVAILABLE;
import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;

/**
 * The MQTT the broker speaks: what it advertises in CONNACK and what it grants, the {@link ConfigArea#PROTOCOL}
 * keys. (Their meanings are in {@link ConfigKeys}.)
 */
public final class ProtocolConfig {
    private final Settings settings;

    ProtocolConfig(Settings settings) {
        this.settings = settings;
    }

    /** The largest packet accepted from a client, fixed header included. */
    public int maxPacketSize() {
        return settings.get(MAX_PACKET_SIZE);
    }

    /** How many QoS 1/2 publishes a client may have unacknowledged towards us. */
    public int receiveMaximum() {
        return settings.get(RECEIVE_MAXIMUM);
    }

    /** How many topic aliases a client may set towards us (0 turns them off). */
    public int topicAliasMaximum() {
        return settings.get(TOPIC_ALIAS_MAXIMUM);
    }

    /** The longest keep-alive granted, seconds; 0 accepts whatever the client asks. */
    public int maxKeepAlive() {
        return settings.get(MAX_KEEP_ALIVE);
    }

    /** The longest Session Expiry Interval granted, seconds. */
    public long maxSessionExpiry() {
        return settings.get(MAX_SESSION_EXPIRY);
    }

    /** The highest QoS the broker grants and accepts. */
    public int maximumQos() {
        return settings.get(MAXIMUM_QOS);
    }

    public boolean retainAvailable() {
        return settings.get(RETAIN_AVAILABLE);
    }

    /** How long a new connection may take to send CONNECT. */
    public int connectTimeoutSeconds() {
        return settings.get(CONNECT_TIMEOUT);
    }

    /** The prefix given as Response Information to clients that request it. */
    public String responseInformation() {
        return settings.get(RESPONSE_INFORMATION);
    }
}
