package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.Delivery;
import java.util.List;
import java.util.Map;

/**
 * A session's flow of deliveries to its client: the {@link SessionMailbox} they wait in, the {@link OutboundWindow}
 * of sends in flight and the {@link DeliveryRecords} the store keeps of them, the acknowledgements that move the
 * window on, and how a cluster's move and a bridge's queue change the flow. {@link Session} hands its deliveries and
 * acknowledgements here; connections, subscriptions, expiry and will stay with it.
 *
 * <p>Threads: the session's loop only, but {@link SessionMailbox#offer} (any thread) and the flag
 * {@link #withoutQos1InflightRecords}.
 */
final class DeliveryFlow {
    private final Session session;
    private final Persistence store;
    private final SessionMailbox mailbox;
    // Made at the first message (see records() and window()): an idle session holds neither.
    private DeliveryRecords records;
    private OutboundWindow window;
    /** See {@link SessionQueue#withoutQos1InflightRecords}; set before the session's first send. */
    private volatile boolean qos1InflightRecords = true;
    /**
     * Being handed to another node of a cluster: what the session holds is told apart by identity at the end of the
     * move (what the snapshot had, and what came after it), so none of it is given a payload of its own meanwhile
     * (see {@link OwnPayload}), which would make it another delivery. The old copy lives for moments only.
     */
    private boolean handingOver;

    DeliveryFlow(Session session, Persistence store, SessionMailbox mailbox) {
        this.session = session;
        this.store = store;
        this.mailbox = mailbox;
    }

    /** The mailbox: the messages waiting, not sent yet. */
    SessionMailbox mailbox() {
        return mailbox;
    }

    BrokerMetrics metrics() {
        return mailbox.metrics();
    }

    /** What the session writes about its deliveries; made when first needed. */
    DeliveryRecords records() {
        if (records == null) {
            records = new DeliveryRecords(store, session);
        }
        return records;
    }

    /** Hands the delivery records collected so far to the store, before a write that must come after them. */
    void flushRecords() {
        if (records != null) {
            records.flush();
        }
    }

    /** The window of sends in flight; made at the first message that goes out (or is restored in flight). */
    OutboundWindow window() {
        if (window == null) {
            window = new OutboundWindow(session, mailbox, records(), mailbox.metrics());
        }
        return window;
    }

    /** The window of sends in flight, or null while nothing went out yet. */
    OutboundWindow windowIfMade() {
        return window;
    }

    /** Sends what is queued, as far as the connection takes it; nothing to do while nothing was ever queued. */
    void pump() {
        if (window != null || !mailbox.isEmpty()) {
            window().pump();
        }
    }

    /** On the session's loop: what the mailbox gathered goes to the queue and out, as far as the connection takes it. */
    void drainHere() {
        mailbox.drain();
        pump();
        if (!handingOver) {
            mailbox.ownQueued(); // what did not go out at once waits: with a payload of its own
        }
    }

    /** A connection was attached: what is in flight goes again, then what is queued. */
    void attached(SessionConnection connection) {
        if (window != null) {
            window.attached(connection);
        } else {
            pump();
        }
    }

    AckOutcome onPubAck(int packetId) {
        return window == null ? AckOutcome.NOT_IN_FLIGHT : window.onPubAck(packetId);
    }

    AckOutcome onPubRec(int packetId, boolean failed) {
        return window == null ? AckOutcome.NOT_IN_FLIGHT : window.onPubRec(packetId, failed);
    }

    AckOutcome onPubComp(int packetId) {
        return window == null ? AckOutcome.NOT_IN_FLIGHT : window.onPubComp(packetId);
    }

    /** Moves the deliveries for shared subscriptions not done, waiting or in flight, to {@code taken}. */
    void takeShared(List<Delivery> taken) {
        mailbox.takeShared(taken);
        if (window != null) {
            window.takeShared(taken);
        }
    }

    /** Releases every message the flow holds, in flight or waiting, as the session ends. */
    void clear() {
        if (window != null) {
            window.clear();
        }
        mailbox.clear();
    }

    /** The sends in flight, oldest first, for {@link SessionSnapshot}. */
    Iterable<Map.Entry<Integer, InflightSend>> inflightSends() {
        return window == null ? List.of() : window.inflightSends();
    }

    /** See {@link SessionQueue#withoutQos1InflightRecords}. */
    void withoutQos1InflightRecords() {
        qos1InflightRecords = false;
    }

    boolean recordsQos1Inflight() {
        return qos1InflightRecords;
    }

    void setHandingOver(boolean on) {
        handingOver = on;
    }

    boolean isHandingOver() {
        return handingOver;
    }
}
