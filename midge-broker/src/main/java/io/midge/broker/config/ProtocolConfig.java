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
    // Read once: the settings are fixed, and some of these are read for every message.
    private final int maxPacketSize;
    private final int receiveMaximum;
    private final int topicAliasMaximum;
    private final int maxKeepAlive;
    private final long maxSessionExpiry;
    private final int maximumQos;
    private final boolean retainAvailable;
    private final int connectTimeoutSeconds;
    private final String responseInformation;

    ProtocolConfig(Settings settings) {
        this.maxPacketSize = settings.get(MAX_PACKET_SIZE);
        this.receiveMaximum = settings.get(RECEIVE_MAXIMUM);
        this.topicAliasMaximum = settings.get(TOPIC_ALIAS_MAXIMUM);
        this.maxKeepAlive = settings.get(MAX_KEEP_ALIVE);
        this.maxSessionExpiry = settings.get(MAX_SESSION_EXPIRY);
        this.maximumQos = settings.get(MAXIMUM_QOS);
        this.retainAvailable = settings.get(RETAIN_AVAILABLE);
        this.connectTimeoutSeconds = settings.get(CONNECT_TIMEOUT);
        this.responseInformation = settings.get(RESPONSE_INFORMATION);
    }

    /** The largest packet accepted from a client, fixed header included. */
    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** How many QoS 1/2 publishes a client may have unacknowledged towards us. */
    public int receiveMaximum() {
        return receiveMaximum;
    }

    /** How many topic aliases a client may set towards us (0 turns them off). */
    public int topicAliasMaximum() {
        return topicAliasMaximum;
    }

    /** The longest keep-alive granted, seconds; 0 accepts whatever the client asks. */
    public int maxKeepAlive() {
        return maxKeepAlive;
    }

    /** The longest Session Expiry Interval granted, seconds. */
    public long maxSessionExpiry() {
        return maxSessionExpiry;
    }

    /** The highest QoS the broker grants and accepts. */
    public int maximumQos() {
        return maximumQos;
    }

    public boolean retainAvailable() {
        return retainAvailable;
    }

    /** How long a new connection may take to send CONNECT. */
    public int connectTimeoutSeconds() {
        return connectTimeoutSeconds;
    }

    /** The prefix given as Response Information to clients that request it. */
    public String responseInformation() {
        return responseInformation;
    }
}
