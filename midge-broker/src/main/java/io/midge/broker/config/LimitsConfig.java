package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.MAX_CONNECTIONS;
import static io.midge.broker.config.ConfigKeys.MAX_CONNECTION_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_INFLIGHT;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_BANDWIDTH;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.MAX_SUBSCRIPTIONS;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static io.midge.broker.config.ConfigKeys.QUEUE_QOS0;

import io.midge.broker.config.BrokerConfig.QueueOverflow;

/**
 * What one client, or all of them, may use: messages in flight and queued, connections, subscriptions and publish
 * rates, the {@link ConfigArea#LIMITS} keys. Per client unless they say otherwise; 0 means no limit where the key's
 * description says so.
 */
public final class LimitsConfig {
    private final Settings settings;

    LimitsConfig(Settings settings) {
        this.settings = settings;
    }

    /** How many QoS 1/2 publishes we have unacknowledged towards one client, at most. */
    public int maxInflight() {
        return settings.get(MAX_INFLIGHT);
    }

    /** Messages kept for one client that is offline or behind, at most. */
    public int maxQueuedMessages() {
        return settings.get(MAX_QUEUED_MESSAGES);
    }

    /** Payload bytes kept for one client that is offline or behind, at most. */
    public long maxQueuedBytes() {
        return settings.get(MAX_QUEUED_BYTES);
    }

    /** What happens to a message for a full queue. */
    public QueueOverflow queueOverflow() {
        return settings.get(QUEUE_OVERFLOW);
    }

    /** Whether QoS 0 messages are queued for offline clients with a persistent session. */
    public boolean queueQos0() {
        return settings.get(QUEUE_QOS0);
    }

    /** Connections open at once through all listeners. */
    public int maxConnections() {
        return settings.get(MAX_CONNECTIONS);
    }

    /** New connections per second from one address. */
    public int maxConnectionRate() {
        return settings.get(MAX_CONNECTION_RATE);
    }

    /** Topic filters one client (session) may be subscribed to. */
    public int maxSubscriptions() {
        return settings.get(MAX_SUBSCRIPTIONS);
    }

    /** PUBLISH packets per second one client may send before it is slowed. */
    public int maxPublishRate() {
        return settings.get(MAX_PUBLISH_RATE);
    }

    /** Payload bytes per second one client may publish before it is slowed. */
    public int maxPublishBandwidth() {
        return settings.get(MAX_PUBLISH_BANDWIDTH);
    }
}
