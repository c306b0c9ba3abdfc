package io.midge.broker.metrics;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what the broker did and refused. Cheap to bump from any thread. */
public final class BrokerMetrics {
    public final LongAdder connectionsAccepted = new LongAdder();
    public final LongAdder connectionsRefused = new LongAdder();
    public final LongAdder protocolViolations = new LongAdder();
    /**
     * Sessions with a connection attached now, kept as they change (Session) so that $SYS and /metrics need not walk
     * every session: with 50,000 persistent sessions the walks were 7% of a connect storm's CPU.
     */
    public final LongAdder sessionsOnline = new LongAdder();
    /**
     * Messages waiting in every session's mailbox (offered, not yet sent, dropped or released), kept as they come and
     * go (SessionMailbox) so that a scrape of /metrics and the stats need not walk every session.
     */
    public final LongAdder queuedMessages = new LongAdder();
    /** PUBLISH packets from clients, by their QoS (index 0, 1, 2): one adder each, so nothing is split later. */
    public final LongAdder[] receivedByQos = byQos();
    /** PUBLISH packets to clients (first sends and re-sends), by the QoS they were sent at. */
    public final LongAdder[] sentByQos = byQos();
    /** Bytes read from and written to clients' connections, as on the socket (TLS and WebSocket framing included). */
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder bytesSent = new LongAdder();
    /** QoS 0 publishes dropped because memory passed overload-drop-qos0. */
    public final LongAdder droppedOverload = new LongAdder();
    /** Times a publishing client's reading was paused because memory passed overload-pause-publishers. */
    public final LongAdder overloadPauses = new LongAdder();
    /** QoS 1/2 publishes refused (0x97) because memory passed overload-refuse-publishes. */
    public final LongAdder refusedOverload = new LongAdder();
    /** Messages dropped because a client's queue reached its bound of messages or bytes. */
    public final LongAdder droppedQueueFull = new LongAdder();
    /** Messages whose Message Expiry Interval passed before they could be sent. */
    public final LongAdder droppedExpired = new LongAdder();
    /** Messages larger than the Maximum Packet Size of the client they were for. */
    public final LongAdder droppedTooLarge = new LongAdder();
    /** QoS 0 messages for offline clients, which are not queued unless configured. */
    public final LongAdder droppedOffline = new LongAdder();
    /** Publishes from clients (and the management API) that matched no subscription; retained ones not counted. */
    public final LongAdder droppedNoSubscribers = new LongAdder();
    /** Messages a shared subscription had chosen a session for that ended first, given to another member. */
    public final LongAdder sharedHandedOn = new LongAdder();
    public final LongAdder sessionsExpired = new LongAdder();
    public final LongAdder willsPublished = new LongAdder();
    /** CONNECTs refused (0x97) because the broker or their listener had its max-connections open. */
    public final LongAdder refusedConnectionLimit = new LongAdder();
    /** Connections closed at accept because their address opened more than max-connection-rate per second. */
    public final LongAdder refusedConnectionRate = new LongAdder();
    /** Topic filters refused in SUBACK (0x97, 3.x 0x80) because the client had max-subscriptions. */
    public final LongAdder refusedSubscriptionLimit = new LongAdder();
    /** Publishes beyond the broker's receive-maximum (DISCONNECT 0x93). */
    public final LongAdder refusedReceiveMaximum = new LongAdder();
    /** Packets larger than max-packet-size (DISCONNECT 0x95). */
    public final LongAdder refusedPacketTooLarge = new LongAdder();
    /** Times a client's reading was paused for going over max-publish-rate or max-publish-bandwidth. */
    public final LongAdder publishThrottled = new LongAdder();
    /** Clients refused for their credentials: wrong or unknown user or password, or anonymous where not allowed. */
    public final LongAdder authenticationsRefused = new LongAdder();
    /** Publishes (and wills at CONNECT) the ACL did not allow. */
    public final LongAdder publishesDenied = new LongAdder();
    /** Subscriptions the ACL did not allow (each filter of a SUBSCRIBE counts). */
    public final LongAdder subscriptionsDenied = new LongAdder();
    /** Publishes and wills refused because their topic starts with {@code $}, the broker's own (§4.7.2). */
    public final LongAdder publishesToReservedTopics = new LongAdder();
    /** Messages not delivered to a subscriber the ACL does not let receive them (retained, wills, after a reload). */
    public final LongAdder deliveriesWithheld = new LongAdder();
    /** Requests to the HTTP listener refused for want of credentials (401) or of the admin right (403). */
    public final LongAdder httpRefused = new LongAdder();
    /** Messages dropped, oldest first, from a forwarding queue to another node that reached its bound. */
    public final LongAdder droppedNodeQueueFull = new LongAdder();
    /** Messages sent to another node of the cluster over a link (first sends; a re-send after a reconnect is not). */
    public final LongAdder forwardedToNodes = new LongAdder();
    /** Payloads of waiting messages copied out of the read buffer they arrived in (see session.OwnPayload). */
    public final LongAdder payloadsCopied = new LongAdder();

    private static LongAdder[] byQos() {
        return new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()};
    }

    /** PUBLISH packets from clients, all QoS. */
    public long messagesReceived() {
        return receivedByQos[0].sum() + receivedByQos[1].sum() + receivedByQos[2].sum();
    }

    /** PUBLISH packets to clients, all QoS. */
    public long messagesSent() {
        return sentByQos[0].sum() + sentByQos[1].sum() + sentByQos[2].sum();
    }
}
