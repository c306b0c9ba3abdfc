package io.midge.broker.session;

import io.midge.broker.persistence.StoredMovedCopies;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The state of one client identifier: its subscriptions, its expiry and pending will, the connection attached to it,
 * and the QoS 2 packet identifiers it has published but not released yet. The messages waiting for the client, those
 * sent and not acknowledged yet and the records of them are its {@link DeliveryFlow}'s.
 *
 * <p>Threads: a session belongs to one event loop, the loop of the connection attached to it (or of the last one).
 * All of its state is touched on that loop only, so none of it is locked. Other loops hand it messages through
 * {@link #offer}, a lock-free mailbox drained on the owner loop in batches: one task and one flush per batch, not
 * per message. When a client reconnects on another loop, the session moves there ({@link #moveTo}).
 *
 * <p>Bounds: messages waiting in the mailbox and the queue count against the client's limits of messages and bytes;
 * messages in flight are bounded by the send quota. What does not fit is dropped by the configured policy, counted
 * and logged.
 */
public final class Session extends SessionLoop implements Subscriber {
    private final String clientId;
    /** Whether the identifier is a node's (see Subscriber#isNode): fixed with it. */
    private final boolean node;
    private final SessionServices services;
    /**
     * Made at the first message (see {@link #flow}), by whichever loop offers first: most sessions of idle devices
     * never need one, and it is 128 bytes with its mailbox on JDK 17. Never unset once made.
     */
    private volatile DeliveryFlow flow;
    private static final AtomicReferenceFieldUpdater<Session, DeliveryFlow> FLOW =
            AtomicReferenceFieldUpdater.newUpdater(Session.class, DeliveryFlow.class, "flow");
    private volatile boolean online;
    private volatile boolean ended;
    /** Whether the store holds a record under this client id (this session's, or the one it replaced). */
    private volatile boolean stored;
    /**
     * The next key in the store's queue of this session; publishers on any loop take keys (see Router). A field
     * updated atomically rather than an AtomicLong: every idle connection has a session.
     */
    private volatile long nextSequence;
    private static final AtomicLongFieldUpdater<Session> NEXT_SEQUENCE =
            AtomicLongFieldUpdater.newUpdater(Session.class, "nextSequence");

    // Owned by the executor.
    private SessionConnection connection;
    /** Made at the first subscription: many devices only publish. */
    private SessionSubscriptions subscriptions;
    /** Made at the first QoS 2 publish: most clients never send one. */
    private InboundQos2 inboundQos2;
    private long expiryIntervalSeconds;
    /** 3, 4 or 5; a byte, like {@link #attachCount}'s int, keeps the session at 88 bytes on JDK 17. */
    private byte protocolVersion = 4;
    /** On a node of a cluster, the registry epoch this node holds the session under (stored with it); else 0. */
    private volatile long clusterEpoch;
    private int attachCount;
    private Message pendingWill;
    /**
     * Moved here from another node of a cluster: what it drops as copies, and which moves' tails it holds, as stored
     * with its last tail (see {@link SessionTransfer#movedCopies}); null for every other session.
     */
    private StoredMovedCopies movedCopies;

    public Session(String clientId, EventLoop executor, SessionServices services) {
        super(executor);
        this.clientId = clientId;
        this.node = NodeClientIds.isNode(clientId);
        this.services = services;
    }

    /** Its deliveries' way to the client: mailbox, window, records (see {@link DeliveryFlow}); made if need be. */
    DeliveryFlow flow() {
        DeliveryFlow f = flow;
        if (f == null) {
            DeliveryFlow made = services.newFlow(this);
            f = FLOW.compareAndSet(this, null, made) ? made : flow;
        }
        return f;
    }

    /** The flow if there is one yet; null for a session that never had a message or a question about them. */
    DeliveryFlow flowIfMade() {
        return flow;
    }

    @Override
    public long reserveSequence() {
        return NEXT_SEQUENCE.getAndIncrement(this);
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isNode() {
        return node;
    }

    @Override
    public boolean isOnline() {
        return online;
    }

    public boolean isEnded() {
        return ended;
    }

    /**
     * Hands a delivery to the session, from any thread. The session takes over the delivery's payload reference
     * when it returns true; when it returns false (the queue is full and new messages are dropped) the caller keeps
     * it.
     */
    @Override
    public boolean offer(Delivery delivery) {
        return flow().mailbox().offer(delivery);
    }

    /**
     * What the mailbox gathered goes to the queue and out, as far as the connection takes it: on the session's loop,
     * following the session if it moved meanwhile (the mailbox is the task that gets it there).
     */
    void drain() {
        DeliveryFlow f = flow(); // made by the offer that scheduled this drain
        runHereOrHand(f::drainHere, f.mailbox(), "delivery left in the mailbox");
    }

    /**
     * The attached connection, or null while the client is offline. On the session's loop, exact. From another
     * thread (the management API), read it after {@link #isOnline} answered true: {@code online} is volatile and
     * written after {@code connection} in {@link #attach}, so the reader sees that connection (and what was set on
     * it before it was attached), or a later value, null included.
     */
    public SessionConnection connection() {
        return connection;
    }

    // ---------------------------------------------------------------- acknowledgements

    /** The client acknowledged a QoS 1 publish. */
    public AckOutcome onPubAck(int packetId) {
        return flow == null ? AckOutcome.NOT_IN_FLIGHT : flow.onPubAck(packetId);
    }

    /** The client received a QoS 2 publish; the session answers PUBREL. */
    public AckOutcome onPubRec(int packetId, boolean failed) {
        return flow == null ? AckOutcome.NOT_IN_FLIGHT : flow.onPubRec(packetId, failed);
    }

    /** The client completed a QoS 2 delivery. */
    public AckOutcome onPubComp(int packetId) {
        return flow == null ? AckOutcome.NOT_IN_FLIGHT : flow.onPubComp(packetId);
    }

    /** The QoS 2 identifiers the client published and has not released yet. */
    public InboundQos2 inboundQos2() {
        if (inboundQos2 == null) {
            inboundQos2 = new InboundQos2();
        }
        return inboundQos2;
    }

    // ---------------------------------------------------------------- connections

    /**
     * Attaches a connection (on the owner loop): re-sends what is in flight, PUBLISH with DUP or PUBREL, in the
     * original order, then what is queued (see {@link OutboundWindow#attached}).
     */
    public void attach(SessionConnection newConnection) {
        this.connection = newConnection;
        setOnline(true);
        attachCount++;
        if (pendingWill != null) {
            // Reconnected within the Will Delay Interval: the will is not published (MQTT 5.0 3.1.3.2.2).
            pendingWill.payload().release();
            pendingWill = null;
        }
        if (flow != null) {
            flow.attached(newConnection); // without one, nothing is queued or in flight to send
        }
    }

    /**
     * Online or not, counted in {@link BrokerMetrics#sessionsOnline} as it changes (on the owner loop, the only
     * writer): the figures read it instead of walking every session.
     */
    private void setOnline(boolean now) {
        if (online != now) {
            online = now;
            services.metrics().sessionsOnline.add(now ? 1 : -1);
        }
    }

    /** Detaches the connection if it is still the attached one; returns whether it was. */
    public boolean detach(SessionConnection oldConnection) {
        if (connection != oldConnection) {
            return false;
        }
        connection = null;
        setOnline(false);
        if (flow != null) {
            flow.mailbox().dropOfflineQos0();
        }
        return true;
    }

    /** Closes the attached connection because a new one takes the session over. */
    public void kickConnection() {
        SessionConnection old = connection;
        if (old != null) {
            detach(old);
            old.takenOver();
        }
    }

    /** The connection's socket can take more again. */
    public void writable() {
        if (flow != null) {
            flow.pump();
        }
    }

    public boolean isAttached(SessionConnection c) {
        return connection == c;
    }

    // ---------------------------------------------------------------- subscriptions and expiry

    /** The session's subscriptions by filter, read-only: {@link #subscribe} and {@link #unsubscribe} change them. */
    public Map<String, SubscriptionOptions> subscriptions() {
        return subscriptions == null ? Map.of() : subscriptions;
    }

    /**
     * Subscribes the session to a filter, in the session and in the topic tree together; returns whether it was
     * subscribed to that filter already (its options are replaced).
     */
    public boolean subscribe(String filter, SubscriptionOptions options) {
        return subscribe(filter, options, true);
    }

    /**
     * {@link #subscribe(String, SubscriptionOptions)} for a cluster node's forwarding queue, saying whether QoS 1
     * deliveries through this route are kept in the store ({@link io.midge.broker.routing.Subscription#durable}).
     */
    public boolean subscribe(String filter, SubscriptionOptions options, boolean durable) {
        boolean existed = services.topicTree().subscribe(this, filter, options, durable).existed();
        if (subscriptions == null) {
            subscriptions = new SessionSubscriptions();
        }
        subscriptions.add(filter, options);
        return existed;
    }

    /** Unsubscribes the session from a filter, in the session and the topic tree; returns whether it was subscribed. */
    public boolean unsubscribe(String filter) {
        services.topicTree().unsubscribe(this, filter);
        return subscriptions != null && subscriptions.delete(filter);
    }

    /** Leaves every subscription, as the session ends; returns the filters it had. */
    List<String> unsubscribeAll() {
        if (subscriptions == null) {
            return List.of();
        }
        List<String> filters = new ArrayList<>(subscriptions.keySet());
        for (String filter : filters) {
            services.topicTree().unsubscribe(this, filter);
        }
        subscriptions = null;
        return filters;
    }

    public long expiryIntervalSeconds() {
        return expiryIntervalSeconds;
    }

    public void setExpiryIntervalSeconds(long seconds) {
        this.expiryIntervalSeconds = seconds;
    }

    /** The protocol level (3, 4 or 5) of the client's last CONNECT, kept with the session in the store. */
    public int protocolVersion() {
        return protocolVersion;
    }

    public void setProtocolVersion(int level) {
        this.protocolVersion = (byte) level;
    }

    public long clusterEpoch() {
        return clusterEpoch;
    }

    public void setClusterEpoch(long epoch) {
        this.clusterEpoch = epoch;
    }

    /** Whether the store holds a record under this session's client id, which ending the session must remove. */
    @Override
    public boolean isStored() {
        return stored;
    }

    public void setStored(boolean stored) {
        boolean storedNow = stored && !this.stored;
        this.stored = stored;
        if (storedNow && subscriptions != null && !subscriptions.isEmpty()) {
            // A live session resumed as persistent: its subscriptions now make durable routes in a cluster.
            services.topicTree().storedNow(this, subscriptions);
        }
    }

    // ---------------------------------------------------------------- the session's end and its restoring

    /**
     * Takes out the deliveries for shared subscriptions that are not done: queued, or sent and not acknowledged
     * (QoS 2 before PUBREC). Called as the session ends, so that other members of the groups get them; the caller
     * owns their payload references.
     */
    public List<Delivery> takeUndeliveredShared() {
        List<Delivery> taken = new ArrayList<>();
        if (flow != null) {
            flow.takeShared(taken);
        }
        return taken;
    }

    /** Ends the session for good: releases every message it holds. Subscriptions are the registry's to remove. */
    public void end() {
        ended = true;
        setOnline(false);
        connection = null;
        if (flow != null) {
            flow.clear();
        }
        if (inboundQos2 != null) {
            inboundQos2.clear();
        }
    }

    /** What recovery at start and a cluster's session move put into the session and take out of it. */
    public SessionTransfer transfer() {
        return new SessionTransfer(this, flow());
    }

    /** At start, on this session's loop, before any publisher takes a key. */
    void raiseNextSequence(long next) {
        nextSequence = Math.max(nextSequence, next);
    }

    StoredMovedCopies movedCopies() {
        return movedCopies;
    }

    void setMovedCopies(StoredMovedCopies copies) {
        movedCopies = copies;
    }

    /** How many times a connection was attached; a timer set at one count is void at another. */
    public int attachCount() {
        return attachCount;
    }

    /** A will waiting for its delay to pass while the session lives on; the session owns its payload reference. */
    public void setPendingWill(Message will) {
        if (pendingWill != null) {
            pendingWill.payload().release();
        }
        pendingWill = will;
    }

    /** Takes the pending will, if any, for publishing; the caller then owns its payload reference. */
    public Message takePendingWill() {
        Message will = pendingWill;
        pendingWill = null;
        return will;
    }

    /** What the session holds for its client, counted and listed, and how it is kept; see {@link SessionQueue}. */
    public SessionQueue queue() {
        return new SessionQueue(this);
    }
}
