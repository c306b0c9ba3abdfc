package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.MAX_CONNECTIONS;
import static io.midge.broker.config.ConfigKeys.MAX_CONNECTION_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_INFLIGHT;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_BANDWIDTH;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.MAX_SUBSCRIPTIONS;
import static io.midge.broker.config.ConfigKeys.OVERLOAD_DROP_QOS0;
import static io.midge.broker.config.ConfigKeys.OVERLOAD_PAUSE_PUBLISHERS;
import static io.midge.broker.config.ConfigKeys.OVERLOAD_REFUSE_PUBLISHES;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static io.midge.broker.config.ConfigKeys.QUEUE_QOS0;

import io.midge.broker.config.BrokerConfig.QueueOverflow;

/**
 * What one client, or all of them, may use: messages in flight and queued, connections, subscriptions and publish
 * rates, the {@link ConfigArea#LIMITS} keys. Per client unless they say otherwise; 0 means no limit where the key's
 * description says so.
 */
public final class LimitsConfig {
    // Read once: the settings are fixed, and some of these are read for every message.
    private final int maxInflight;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final QueueOverflow queueOverflow;
    private final boolean queueQos0;
    private final int maxConnections;
    private final int maxConnectionRate;
    private final int maxSubscriptions;
    private final int maxPublishRate;
    private final int maxPublishBandwidth;
    private final int overloadDropQos0;
    private final int overloadPausePublishers;
    private final int overloadRefusePublishes;

    LimitsConfig(Settings settings) {
        this.maxInflight = settings.get(MAX_INFLIGHT);
        this.maxQueuedMessages = settings.get(MAX_QUEUED_MESSAGES);
        this.maxQueuedBytes = settings.get(MAX_QUEUED_BYTES);
        this.queueOverflow = settings.get(QUEUE_OVERFLOW);
        this.queueQos0 = settings.get(QUEUE_QOS0);
        this.maxConnections = settings.get(MAX_CONNECTIONS);
        this.maxConnectionRate = settings.get(MAX_CONNECTION_RATE);
        this.maxSubscriptions = settings.get(MAX_SUBSCRIPTIONS);
        this.maxPublishRate = settings.get(MAX_PUBLISH_RATE);
        this.maxPublishBandwidth = settings.get(MAX_PUBLISH_BANDWIDTH);
        this.overloadDropQos0 = settings.get(OVERLOAD_DROP_QOS0);
        this.overloadPausePublishers = settings.get(OVERLOAD_PAUSE_PUBLISHERS);
        this.overloadRefusePublishes = settings.get(OVERLOAD_REFUSE_PUBLISHES);
        if (overloadRefusePublishes < overloadDropQos0) {
            // The documented order: QoS 0 is dropped before any QoS 1/2 publish is refused.
            throw new IllegalArgumentException("'" + OVERLOAD_REFUSE_PUBLISHES + "' (" + overloadRefusePublishes
                    + ") must not be below '" + OVERLOAD_DROP_QOS0 + "' (" + overloadDropQos0 + "): QoS 0 is dropped "
                    + "before QoS 1/2 is refused");
        }
    }

    /** How many QoS 1/2 publishes we have unacknowledged towards one client, at most. */
    public int maxInflight() {
        return maxInflight;
    }

    /** Messages kept for one client that is offline or behind, at most. */
    public int maxQueuedMessages() {
        return maxQueuedMessages;
    }

    /** Payload bytes kept for one client that is offline or behind, at most. */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /** What happens to a message for a full queue. */
    public QueueOverflow queueOverflow() {
        return queueOverflow;
    }

    /** Whether QoS 0 messages are queued for offline clients with a persistent session. */
    public boolean queueQos0() {
        return queueQos0;
    }

    /** Connections open at once through all listeners. */
    public int maxConnections() {
        return maxConnections;
    }

    /** New connections per second from one address. */
    public int maxConnectionRate() {
        return maxConnectionRate;
    }

    /** Topic filters one client (session) may be subscribed to. */
    public int maxSubscriptions() {
        return maxSubscriptions;
    }

    /** PUBLISH packets per second one client may send before it is slowed. */
    public int maxPublishRate() {
        return maxPublishRate;
    }

    /** Payload bytes per second one client may publish before it is slowed. */
    public int maxPublishBandwidth() {
        return maxPublishBandwidth;
    }

    /** Memory in use, in % of its maximum, from which QoS 0 publishes are dropped (100: never). */
    public int overloadDropQos0() {
        return overloadDropQos0;
    }

    /** Memory in use, in %, from which clients that publish are not read for a while (100: never). */
    public int overloadPausePublishers() {
        return overloadPausePublishers;
    }

    /** Memory in use, in %, from which QoS 1/2 publishes of 5.0 clients are refused with 0x97 (100: never). */
    public int overloadRefusePublishes() {
        return overloadRefusePublishes;
    }
}
