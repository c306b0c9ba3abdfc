package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one client identifier: its subscriptions, the messages queued for it and in flight towards it, and
 * the QoS 2 packet identifiers it has published but not released yet.
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
public final class Session implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final DeliveryRecords records;
    private final TopicTree topicTree;
    private volatile EventLoop executor;
    /** What must run first on the loop the session just moved to (see {@link #moveTo}); null once it ran. */
    private final AtomicReference<Runnable> arrival = new AtomicReference<>();
    private volatile boolean online;
    private volatile boolean ended;
    /** Whether the store holds a record under this client id (this session's, or the one it replaced). */
    private volatile boolean stored;

    // Owned by the executor.
    private SessionConnection connection;
    private final Map<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();
    private final Map<String, SubscriptionOptions> readOnlySubscriptions = Collections.unmodifiableMap(subscriptions);
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final LinkedHashMap<Integer, Inflight> inflight = new LinkedHashMap<>();
    private final InboundQos2 inboundQos2 = new InboundQos2();
    private int heldBack; // entries of inflight with heldBack set
    private int nextPacketId = 1;
    private long expiryIntervalSeconds;
    private int protocolVersion = 4;
    private long queueDropsLogged;
    private long attachCount;
    private Message pendingWill;

    // Shared with producers on other loops.
    private final Queue<Delivery> mailbox = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger pendingMessages = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    /** The next key in the store's queue of this session; publishers on any loop take keys (see Router). */
    private final AtomicLong nextSequence = new AtomicLong();

    /** A QoS 1/2 message sent and not acknowledged yet; after PUBREC only the identifier matters. */
    private static final class Inflight {
        Delivery delivery;
        final long sequence; // the delivery's key in the store's queue, or Delivery.NOT_STORED
        boolean released; // PUBREC received, PUBREL sent, waiting for PUBCOMP
        boolean heldBack; // left in flight by an earlier connection, not re-sent yet: the client's quota was full
        boolean storing; // a stored QoS 2 PUBLISH, or its PUBREL, waits for its in-flight record before it goes out

        Inflight(Delivery delivery, long sequence) {
            this.delivery = delivery;
            this.sequence = sequence;
        }
    }

    public Session(String clientId, EventLoop executor, BrokerConfig config, BrokerMetrics metrics,
                   Persistence store, TopicTree topicTree) {
        this.clientId = clientId;
        this.topicTree = topicTree;
        this.executor = executor;
        this.config = config;
        this.metrics = metrics;
        this.records = new DeliveryRecords(store, this);
    }

    @Override
    public long reserveSequence() {
        return nextSequence.getAndIncrement();
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return online;
    }

    public boolean isEnded() {
        return ended;
    }

    public EventLoop executor() {
        return executor;
    }

    /**
     * Runs the task on the session's loop after what the loop is doing now (a read batch, a drain), following the
     * session if it moves meanwhile.
     */
    void executeLater(Runnable task) {
        try {
            executor.execute(() -> execute(task));
        } catch (RejectedExecutionException e) {
            log.debug("Session of '{}': loop stopped, task dropped", clientId);
        }
    }

    /** Hands the delivery records collected so far to the store, before a write that must come after them. */
    void flushRecords() {
        records.flush();
    }

    /** Runs the task on the session's loop, following the session if it moves meanwhile. */
    public void execute(Runnable task) {
        EventLoop loop = executor;
        if (loop.inEventLoop()) {
            runArrival();
            task.run();
        } else {
            try {
                loop.execute(() -> execute(task));
            } catch (RejectedExecutionException e) {
                // The broker is shutting down: its loops take no more work, and nothing is left to do.
                log.debug("Session of '{}': loop stopped, task dropped", clientId);
            }
        }
    }

    // ---------------------------------------------------------------- from any thread

    /**
     * Hands a delivery to the session, from any thread. The session takes over the delivery's payload reference
     * when it returns true; when it returns false (the queue is full and new messages are dropped) the caller keeps
     * it.
     */
    @Override
    public boolean offer(Delivery delivery) {
        int size = delivery.message().payloadSize();
        // With DROP_OLDEST the owner loop trims the queue; beyond twice the bound it is falling behind, and the
        // mailbox itself must not grow without end.
        long factor = config.limits().queueOverflow() == QueueOverflow.DROP_NEW ? 1 : 2;
        // Room is reserved only where the message fits, so the counters never pass their bound, not even for an
        // instant: what they say is what the session holds.
        boolean fits = reserve(pendingMessages, factor * config.limits().maxQueuedMessages());
        if (fits && !reserve(pendingBytes, size, factor * config.limits().maxQueuedBytes())) {
            pendingMessages.decrementAndGet();
            fits = false;
        }
        if (!fits) {
            metrics.droppedQueueFull.increment();
            logDrop();
            return false;
        }
        mailbox.add(delivery);
        if (drainScheduled.compareAndSet(false, true)) {
            // Always as a task, even on the owner loop: everything a read batch routes here goes out in one
            // drain and one flush, after the batch.
            try {
                executor.execute(() -> execute(this::drain));
            } catch (RejectedExecutionException e) {
                log.debug("Session of '{}': loop stopped, delivery left in the mailbox", clientId);
            }
        }
        return true;
    }

    private static boolean reserve(AtomicInteger counter, long limit) {
        while (true) {
            int n = counter.get();
            if (n + 1L > limit) {
                return false;
            }
            if (counter.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private static boolean reserve(AtomicLong counter, long amount, long limit) {
        while (true) {
            long n = counter.get();
            if (n + amount > limit) {
                return false;
            }
            if (counter.compareAndSet(n, n + amount)) {
                return true;
            }
        }
    }

    private void logDrop() {
        // One line at the first drop and then one per thousand, so that a flood does not flood the log too.
        long n = metrics.droppedQueueFull.sum();
        if (n == 1 || n % 1000 == 0) {
            log.warn("Queue of client '{}' is full ({} messages, {} bytes at most): dropped a message ({} dropped "
                    + "so far by all clients)", clientId, config.limits().maxQueuedMessages(),
                    config.limits().maxQueuedBytes(), n);
        }
    }

    // ---------------------------------------------------------------- on the owner loop

    private void drain() {
        drainScheduled.set(false);
        Delivery d;
        while ((d = mailbox.poll()) != null) {
            if (ended) {
                unpend(d);
                d.release();
            } else {
                queue.add(d);
            }
        }
        trimQueue();
        pump();
    }

    private void unpend(Delivery d) {
        pendingMessages.decrementAndGet();
        pendingBytes.addAndGet(-d.message().payloadSize());
    }

    private void trimQueue() {
        while (!queue.isEmpty() && (pendingMessages.get() > config.limits().maxQueuedMessages()
                || pendingBytes.get() > config.limits().maxQueuedBytes())) {
            Delivery oldest = queue.poll();
            unpend(oldest);
            records.forget(oldest.sequence(), 0);
            oldest.release();
            metrics.droppedQueueFull.increment();
            if (queueDropsLogged++ % 1000 == 0) {
                log.warn("Queue of client '{}' is full: dropped its oldest message", clientId);
            }
        }
    }

    /** Sends what the connection takes: queued messages in order while the quota and the socket allow. */
    private void pump() {
        if (connection == null) {
            dropOfflineQos0();
            return;
        }
        if (storing != null) {
            return; // sends resume, in order, once the pending in-flight records are stored
        }
        boolean wrote = heldBack > 0 && resendHeldBack();
        long now = System.nanoTime();
        while (!queue.isEmpty() && connection.isWritable()) {
            Delivery d = queue.peek();
            if (d.message().isExpired(now)) {
                queue.poll();
                unpend(d);
                records.forget(d.sequence(), 0);
                d.release();
                metrics.droppedExpired.increment();
                continue;
            }
            if (!connection.mayReceive(d.message().topic())) {
                queue.poll();
                unpend(d);
                records.forget(d.sequence(), 0);
                d.release();
                metrics.deliveriesWithheld.increment();
                continue;
            }
            if (d.qos() > 0 && inflight.size() >= connection.sendQuota()) {
                break;
            }
            if (d.qos() == 0 && storing != null) {
                break; // after the stored ones ahead of it
            }
            queue.poll();
            unpend(d);
            wrote = true;
            if (d.qos() == 0) {
                send(d, 0, false);
                continue;
            }
            int packetId = nextPacketId();
            Inflight entry = new Inflight(d, d.sequence());
            inflight.put(packetId, entry);
            if (d.isStored() && (d.qos() == 2 || storing != null)) {
                // A stored QoS 2 PUBLISH goes out only once the store knows it is in flight under this
                // identifier: re-sent after a crash under another one, it would reach the client twice. What
                // follows it waits too, to keep the order.
                deferSend(packetId, entry);
                continue;
            }
            if (d.isStored()) {
                // QoS 1 may reach the client again after a crash anyway: no need to wait.
                records.sent(packetId, d.sequence());
            }
            sendNew(packetId, entry);
        }
        if (storing != null) {
            writeDeferred();
        }
        if (wrote) {
            connection.flush();
        }
    }

    /** Sends an in-flight PUBLISH for the first time. */
    private void sendNew(int packetId, Inflight entry) {
        Delivery d = entry.delivery;
        d.message().payload().retain(); // one reference for the wire, one kept for a resend
        if (!send(d, packetId, false)) {
            // Too large for the client: as if sent and acknowledged (MQTT-3.1.2-25).
            inflight.remove(packetId);
            records.forget(entry.sequence, packetId);
            d.release();
        }
    }

    /** Deliveries of this pump that wait for their in-flight records (one batch for all of them). */
    private StoreBatch storing;
    private final List<Map.Entry<Integer, Inflight>> deferred = new ArrayList<>();

    private void deferSend(int packetId, Inflight entry) {
        if (storing == null) {
            storing = records.batch();
        }
        entry.storing = true;
        records.sending(storing, packetId, entry.sequence, entry.delivery.qos());
        deferred.add(Map.entry(packetId, entry));
    }

    private void writeDeferred() {
        List<Map.Entry<Integer, Inflight>> sends = List.copyOf(deferred);
        deferred.clear();
        StoreBatch batch = storing;
        records.write(batch, this::execute).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing in-flight messages of '{}' failed: {}", clientId, e.toString());
            }
            storing = null;
            boolean wrote = false;
            for (Map.Entry<Integer, Inflight> send : sends) {
                Inflight entry = send.getValue();
                if (inflight.get(send.getKey()) != entry || !entry.storing) {
                    continue; // dropped, or the session ended meanwhile
                }
                entry.storing = false;
                // Offline by now: the next connection re-sends it with the others in flight.
                if (connection != null && !entry.heldBack) {
                    sendNew(send.getKey(), entry);
                    wrote = true;
                }
            }
            if (wrote) {
                connection.flush();
            }
            pump();
        });
    }

    /** Re-sends, in order, what an earlier connection left in flight and the client's quota held back. */
    private boolean resendHeldBack() {
        int onWire = inflight.size() - heldBack;
        boolean wrote = false;
        Iterator<Map.Entry<Integer, Inflight>> it = inflight.entrySet().iterator();
        while (heldBack > 0 && onWire < connection.sendQuota() && it.hasNext()) {
            Map.Entry<Integer, Inflight> e = it.next();
            if (e.getValue().heldBack) {
                e.getValue().heldBack = false;
                heldBack--;
                wrote = true;
                if (resend(e.getKey(), e.getValue())) {
                    onWire++;
                } else {
                    it.remove();
                }
            }
        }
        return wrote;
    }

    /**
     * Re-sends an unacknowledged PUBLISH with DUP; false when it is too large for the client now, and so dropped as
     * if sent and acknowledged (MQTT-3.1.2-25): the caller removes it from the in-flight messages.
     */
    private boolean resend(int packetId, Inflight entry) {
        entry.delivery.message().payload().retain();
        if (send(entry.delivery, packetId, true)) {
            return true;
        }
        entry.delivery.message().payload().release();
        entry.delivery.release();
        records.forget(entry.sequence, packetId);
        return false;
    }

    private boolean send(Delivery d, int packetId, boolean dup) {
        boolean sent = connection.sendPublish(d, packetId, dup);
        if (sent) {
            metrics.messagesSent.increment();
        } else {
            metrics.droppedTooLarge.increment();
        }
        return sent;
    }

    private void dropOfflineQos0() {
        if (config.limits().queueQos0()) {
            return;
        }
        for (Iterator<Delivery> it = queue.iterator(); it.hasNext(); ) {
            Delivery d = it.next();
            if (d.qos() == 0) {
                it.remove();
                unpend(d);
                d.release();
                metrics.droppedOffline.increment();
            }
        }
    }

    private int nextPacketId() {
        // inflight never holds 65535 entries: the send quota is at most 65535 and a full quota sends nothing.
        while (true) {
            int id = nextPacketId;
            nextPacketId = id == 0xFFFF ? 1 : id + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
    }

    /**
     * What an acknowledgement meant for the send its packet identifier names. An identifier that is not in flight
     * is tolerated (a late duplicate, say); one that is in flight but awaits another kind of acknowledgement is a
     * protocol violation, which the connection answers by closing.
     */
    public enum Ack { ACCEPTED, NOT_IN_FLIGHT, WRONG_KIND }

    /** The in-flight send under this identifier that is on the wire, or null (none, or not sent yet). */
    private Inflight onWire(int packetId) {
        Inflight entry = inflight.get(packetId);
        // A stored PUBLISH waiting for its in-flight record has not reached the client: not in flight for it.
        return entry == null || (entry.storing && !entry.released) ? null : entry;
    }

    /** The client acknowledged a QoS 1 publish. */
    public Ack onPubAck(int packetId) {
        Inflight entry = onWire(packetId);
        if (entry == null) {
            return Ack.NOT_IN_FLIGHT;
        }
        if (entry.delivery == null || entry.delivery.qos() != 1) {
            return Ack.WRONG_KIND; // a QoS 2 send awaits PUBREC, or PUBCOMP after PUBREL
        }
        inflight.remove(packetId);
        notHeldBack(entry);
        entry.delivery.release();
        records.acknowledged(packetId, entry.sequence);
        pump();
        return Ack.ACCEPTED;
    }

    /** The client received a QoS 2 publish; the session answers PUBREL. */
    public Ack onPubRec(int packetId, boolean failed) {
        Inflight entry = onWire(packetId);
        if (entry == null) {
            return Ack.NOT_IN_FLIGHT;
        }
        if (entry.released) {
            // PUBREC again for a message already released: PUBREL again (unless it still waits for its record).
            if (!entry.storing && connection != null) {
                connection.sendPubRel(packetId);
                connection.flush();
            }
            return Ack.ACCEPTED;
        }
        if (entry.delivery.qos() != 2) {
            return Ack.WRONG_KIND; // a QoS 1 send awaits PUBACK
        }
        notHeldBack(entry);
        entry.delivery.release(); // the payload is not needed any more: only PUBREL may be re-sent
        entry.delivery = null;
        if (failed) {
            // A PUBREC with an error code ends the flow (MQTT 5.0 section 4.3.3).
            inflight.remove(packetId);
            records.forget(entry.sequence, packetId);
            pump();
            return Ack.ACCEPTED;
        }
        entry.released = true;
        if (entry.sequence == Delivery.NOT_STORED) {
            connection.sendPubRel(packetId);
            connection.flush();
            return Ack.ACCEPTED;
        }
        // PUBREL only once the store knows the message was received: at PUBREL the client forgets the identifier,
        // and a broker restarted without that knowledge would send the message again, which the client would then
        // take for a new one.
        entry.storing = true;
        records.write(records.received(records.batch(), packetId, entry.sequence), this::execute)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        log.warn("Storing the receipt of a QoS 2 message by '{}' failed: {}", clientId, e.toString());
                    }
                    entry.storing = false;
                    if (inflight.get(packetId) == entry && connection != null) {
                        connection.sendPubRel(packetId);
                        connection.flush();
                    } // else: gone, or re-sent when the client reconnects (see attach)
                });
        return Ack.ACCEPTED;
    }

    /** The client completed a QoS 2 delivery. */
    public Ack onPubComp(int packetId) {
        Inflight entry = onWire(packetId);
        if (entry == null) {
            return Ack.NOT_IN_FLIGHT;
        }
        if (!entry.released) {
            return Ack.WRONG_KIND; // a QoS 1 send awaits PUBACK, a QoS 2 send PUBREC
        }
        inflight.remove(packetId);
        records.completed(packetId, entry.sequence);
        pump();
        return Ack.ACCEPTED;
    }

    private void notHeldBack(Inflight entry) {
        if (entry.heldBack) {
            entry.heldBack = false;
            heldBack--;
        }
    }

    /** The QoS 2 identifiers the client published and has not released yet. */
    public InboundQos2 inboundQos2() {
        return inboundQos2;
    }

    /**
     * Attaches a connection (on the owner loop): re-sends what is in flight, PUBLISH with DUP or PUBREL, in the
     * original order, then what is queued. PUBLISHes beyond the new connection's send quota (the client may have
     * lowered its Receive Maximum, MQTT-3.3.4-9) wait in flight until acknowledgements make room.
     */
    public void attach(SessionConnection newConnection) {
        this.connection = newConnection;
        this.online = true;
        attachCount++;
        if (pendingWill != null) {
            // Reconnected within the Will Delay Interval: the will is not published (MQTT 5.0 3.1.3.2.2).
            pendingWill.payload().release();
            pendingWill = null;
        }
        boolean wrote = false;
        int onWire = 0;
        heldBack = 0;
        for (Iterator<Map.Entry<Integer, Inflight>> it = inflight.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Inflight> e = it.next();
            Inflight entry = e.getValue();
            entry.heldBack = false;
            if (entry.storing) {
                onWire++; // goes out once stored
            } else if (entry.released) {
                // PUBREL is never held back (MQTT-3.3.4-10), though the delivery counts until PUBCOMP.
                newConnection.sendPubRel(e.getKey());
                onWire++;
                wrote = true;
            } else if (onWire < newConnection.sendQuota()) {
                wrote = true;
                if (resend(e.getKey(), entry)) {
                    onWire++;
                } else {
                    it.remove();
                }
            } else {
                entry.heldBack = true;
                heldBack++;
            }
        }
        if (wrote) {
            newConnection.flush();
        }
        pump();
    }

    /** Detaches the connection if it is still the attached one; returns whether it was. */
    public boolean detach(SessionConnection oldConnection) {
        if (connection != oldConnection) {
            return false;
        }
        connection = null;
        online = false;
        dropOfflineQos0();
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

    /**
     * Moves the session to another loop; call on the current owner loop. Work queued after follows it.
     * {@code onArrival} (attaching the connection that resumes the session) runs on the new loop before any task
     * given to {@link #execute} from then on: a takeover racing this one may reach the new loop first, and must
     * find the connection attached, to close it, rather than no connection at all.
     */
    public void moveTo(EventLoop loop, Runnable onArrival) {
        arrival.set(onArrival);
        this.executor = loop;
        // Through execute, so that it runs on the session's loop even if the session has moved on by then.
        loop.execute(() -> execute(() -> { }));
    }

    private void runArrival() {
        Runnable first = arrival.getAndSet(null);
        if (first != null) {
            first.run();
        }
    }

    /** The connection's socket can take more again. */
    public void writable() {
        pump();
    }

    public boolean isAttached(SessionConnection c) {
        return connection == c;
    }

    // ---------------------------------------------------------------- subscriptions and expiry

    /** The session's subscriptions by topic filter, read-only: {@link #subscribe} and {@link #unsubscribe} change them. */
    public Map<String, SubscriptionOptions> subscriptions() {
        return readOnlySubscriptions;
    }

    /**
     * Subscribes the session to a filter, in the session and in the topic tree together; returns whether it was
     * subscribed to that filter already (its options are replaced).
     */
    public boolean subscribe(String filter, SubscriptionOptions options) {
        boolean existed = topicTree.subscribe(this, filter, options).existed();
        subscriptions.put(filter, options);
        return existed;
    }

    /** Unsubscribes the session from a filter, in the session and the topic tree; returns whether it was subscribed. */
    public boolean unsubscribe(String filter) {
        topicTree.unsubscribe(this, filter);
        return subscriptions.remove(filter) != null;
    }

    /** Leaves every subscription, as the session ends; returns the filters it had. */
    List<String> unsubscribeAll() {
        List<String> filters = new ArrayList<>(subscriptions.keySet());
        for (String filter : filters) {
            topicTree.unsubscribe(this, filter);
        }
        subscriptions.clear();
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
        this.protocolVersion = level;
    }

    /** Whether the store holds a record under this session's client id, which ending the session must remove. */
    @Override
    public boolean isStored() {
        return stored;
    }

    public void setStored(boolean stored) {
        this.stored = stored;
    }

    /**
     * Takes out the deliveries for shared subscriptions that are not done: queued, or sent and not acknowledged
     * (QoS 2 before PUBREC). Called as the session ends, so that other members of the groups get them; the caller
     * owns their payload references.
     */
    public List<Delivery> takeUndeliveredShared() {
        List<Delivery> taken = new ArrayList<>();
        Delivery d;
        while ((d = mailbox.poll()) != null) {
            queue.add(d);
        }
        for (Iterator<Delivery> it = queue.iterator(); it.hasNext(); ) {
            d = it.next();
            if (d.shared()) {
                it.remove();
                unpend(d);
                taken.add(d);
            }
        }
        for (Iterator<Inflight> it = inflight.values().iterator(); it.hasNext(); ) {
            Inflight entry = it.next();
            if (entry.delivery != null && entry.delivery.shared()) {
                it.remove();
                notHeldBack(entry);
                taken.add(entry.delivery);
            }
        }
        return taken;
    }

    /** Ends the session for good: releases every message it holds. Subscriptions are the registry's to remove. */
    public void end() {
        ended = true;
        online = false;
        connection = null;
        for (Delivery d : queue) {
            unpend(d);
            d.release();
        }
        queue.clear();
        for (Inflight entry : inflight.values()) {
            if (entry.delivery != null) {
                entry.delivery.release();
            }
        }
        inflight.clear();
        heldBack = 0;
        inboundQos2.clear();
        Delivery d;
        while ((d = mailbox.poll()) != null) {
            unpend(d);
            d.release();
        }
    }

    /** Puts back a queued delivery the store held, at start (on this session's loop, before it is attached). */
    public void restoreQueued(Delivery d) {
        pendingMessages.incrementAndGet();
        pendingBytes.addAndGet(d.message().payloadSize());
        queue.add(d);
        nextSequence.set(Math.max(nextSequence.get(), d.sequence() + 1));
    }

    /**
     * Puts back a delivery the store held in flight, at start: a PUBLISH to re-send with DUP, or with a null
     * delivery a QoS 2 message waiting for PUBCOMP, whose PUBREL is re-sent.
     */
    public void restoreInflight(int packetId, long sequence, Delivery d) {
        Inflight entry = new Inflight(d, sequence);
        entry.released = d == null;
        inflight.put(packetId, entry);
        nextSequence.set(Math.max(nextSequence.get(), sequence + 1));
    }

    public void restoreNextSequence(long next) {
        nextSequence.set(Math.max(nextSequence.get(), next));
    }

    /** How many times a connection was attached; a timer set at one count is void at another. */
    public long attachCount() {
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

    /** Messages waiting (mailbox and queue), for tests and metrics. */
    public int pendingMessages() {
        return pendingMessages.get();
    }

    public long pendingBytes() {
        return pendingBytes.get();
    }

    public int inflightCount() {
        return inflight.size();
    }
}
