package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import java.util.List;
import java.util.Map;

/**
 * What a session sends its client and waits to hear back about: it takes queued messages from the
 * {@link SessionMailbox} while the socket and the client's send quota allow, gives QoS 1/2 ones packet identifiers,
 * keeps them in flight, in order, until they are acknowledged (PUBACK; PUBREC, PUBREL, PUBCOMP), and re-sends them
 * to the next connection.
 *
 * <p>Stored QoS 2 messages go out only in step with the store: a PUBLISH once its in-flight record is written, its
 * PUBREL once the receipt is (see {@link StoreOrderedSends}). Meanwhile the sends behind them wait, to keep the
 * order.
 *
 * <p>Threads: the session's loop only.
 */
final class OutboundWindow {
    private final Session session;
    private final SessionMailbox mailbox;
    private final DeliveryRecords records;
    private final BrokerMetrics metrics;
    /**
     * By packet identifier, in the order sent: a new connection gets them again in that order. Made at the first
     * QoS 1/2 send (see {@link #inflight()}); an idle session, or one at QoS 0 only, never has one.
     */
    private InflightSends inflight;
    private int heldBack; // entries of inflight with heldBack set
    private int nextPacketId = 1;
    /** The sends that wait for the store, and what lets them go. */
    private final StoreOrderedSends ordered;
    /** Sends put in flight since {@link #ownInflight} last ran, and the packet identifier the first of them got. */
    private int sentSinceOwned;
    private int firstNotOwned;

    OutboundWindow(Session session, SessionMailbox mailbox, DeliveryRecords records, BrokerMetrics metrics) {
        this.session = session;
        this.mailbox = mailbox;
        this.records = records;
        this.metrics = metrics;
        this.ordered = new StoreOrderedSends(session, this, records);
    }

    /** Sends what the connection takes: queued messages in order while the quota and the socket allow. */
    void pump() {
        SessionConnection connection = session.connection();
        if (connection == null) {
            mailbox.dropOfflineQos0();
            ownInflight();
            return;
        }
        if (ordered.waiting()) {
            return; // sends resume, in order, once the pending in-flight records are stored
        }
        boolean wrote = heldBack > 0 && resendHeldBack(connection);
        long now = System.nanoTime();
        Delivery d;
        while ((d = mailbox.peek()) != null && connection.isWritable()) {
            if (d.message().isExpired(now)) {
                mailbox.dropOldest();
                metrics.droppedExpired.increment();
                continue;
            }
            if (!connection.mayReceive(d.message().topic())) {
                mailbox.dropOldest();
                metrics.deliveriesWithheld.increment();
                continue;
            }
            if (d.qos() > 0 && size() >= connection.sendQuota()) {
                break;
            }
            if (d.qos() == 0 && ordered.waiting()) {
                break; // after the stored ones ahead of it
            }
            mailbox.take();
            wrote = true;
            if (d.qos() == 0) {
                send(connection, d, 0, false);
                continue;
            }
            int packetId = nextPacketId();
            if (sentSinceOwned == 0) {
                firstNotOwned = packetId;
            }
            if (sentSinceOwned < 0xFFFF) {
                sentSinceOwned++; // at 0xFFFF identifiers have gone round: ownInflight visits the whole window
            }
            InflightSend entry = new InflightSend(d, d.sequence());
            inflight().put(packetId, entry);
            if (ordered.waiting() || (d.isStored() && d.qos() == 2)) {
                // A stored QoS 2 PUBLISH goes out only once the store knows it is in flight under this
                // identifier: re-sent after a crash under another one, it would reach the client twice. What
                // follows it waits too, to keep the order, stored or not (a cluster node's queue holds both).
                ordered.defer(entry);
                continue;
            }
            if (d.isStored()) {
                // QoS 1 may reach the client again after a crash anyway: no need to wait.
                records.sent(entry);
            }
            sendNew(connection, entry);
        }
        if (ordered.waiting()) {
            ordered.writeDeferred();
        }
        if (wrote) {
            connection.flush();
        }
        if (d != null) {
            ownInflight(); // the client is behind: what it has not acknowledged may wait long
        }
    }

    /**
     * Gives the payloads in flight a buffer of their own (see {@link OwnPayload}), once the client is behind or
     * offline: unacknowledged, they may wait as long as a queued message. Visits only what was sent since the last
     * time, by packet identifier (given in turn), or the whole window when that is fewer.
     */
    private void ownInflight() {
        int n = sentSinceOwned;
        if (n == 0 || inflight == null || session.flow().isHandingOver()) {
            return;
        }
        sentSinceOwned = 0;
        int span = Math.floorMod(nextPacketId - firstNotOwned, 0xFFFF);
        if (n >= inflight.size() || span >= inflight.size()) {
            for (Map.Entry<Integer, InflightSend> entry : inflight.entries()) {
                own(entry.getValue());
            }
            return;
        }
        for (int id = firstNotOwned; id != nextPacketId; id = id == 0xFFFF ? 1 : id + 1) {
            InflightSend entry = inflight.get(id);
            if (entry != null) {
                own(entry);
            }
        }
    }

    private void own(InflightSend entry) {
        if (entry.delivery != null) {
            entry.delivery = OwnPayload.of(entry.delivery, metrics.payloadsCopied);
        }
    }

    /** Sends an in-flight PUBLISH for the first time. */
    void sendNew(SessionConnection connection, InflightSend entry) {
        Delivery d = entry.delivery;
        d.message().payload().retain(); // one reference for the wire, one kept for a resend
        if (!send(connection, d, entry.packetId, false)) {
            // Too large for the client: as if sent and acknowledged (MQTT-3.1.2-25).
            inflight.remove(entry);
            records.forget(entry.sequence, entry, d);
            d.release();
        }
    }

    /** Re-sends, in order, what an earlier connection left in flight and the client's quota held back. */
    private boolean resendHeldBack(SessionConnection connection) {
        int onWire = inflight.size() - heldBack;
        boolean wrote = false;
        InflightSend next;
        for (InflightSend e = inflight.first(); heldBack > 0 && onWire < connection.sendQuota() && e != null;
                e = next) {
            next = e.next;
            if (e.heldBack) {
                e.heldBack = false;
                heldBack--;
                wrote = true;
                if (resend(connection, e)) {
                    onWire++;
                } else {
                    inflight.remove(e);
                }
            }
        }
        return wrote;
    }

    /**
     * Re-sends an unacknowledged PUBLISH with DUP; false when it is too large for the client now, and so dropped as
     * if sent and acknowledged (MQTT-3.1.2-25): the caller removes it from the in-flight messages.
     */
    private boolean resend(SessionConnection connection, InflightSend entry) {
        entry.delivery.message().payload().retain();
        if (send(connection, entry.delivery, entry.packetId, true)) {
            return true;
        }
        entry.delivery.release(); // the connection let go of the wire's reference, this is the window's
        records.forget(entry.sequence, entry, entry.delivery);
        return false;
    }

    private boolean send(SessionConnection connection, Delivery d, int packetId, boolean dup) {
        boolean sent = connection.sendPublish(d, packetId, dup);
        if (sent) {
            metrics.sentByQos[d.qos()].increment();
        } else {
            metrics.droppedTooLarge.increment();
        }
        return sent;
    }

    private int nextPacketId() {
        // inflight never holds 65535 entries: the send quota is at most 65535 and a full quota sends nothing.
        while (true) {
            int id = nextPacketId;
            nextPacketId = id == 0xFFFF ? 1 : id + 1;
            if (inflight == null || inflight.get(id) == null) {
                return id;
            }
        }
    }

    // ---------------------------------------------------------------- acknowledgements

    /** The in-flight send under this identifier that is on the wire, or null (none, or not sent yet). */
    private InflightSend onWire(int packetId) {
        InflightSend entry = inflight == null ? null : inflight.get(packetId);
        // A stored PUBLISH waiting for its in-flight record has not reached the client: not in flight for it.
        return entry == null || (entry.storing && !entry.released) ? null : entry;
    }

    /** The client acknowledged a QoS 1 publish. */
    AckOutcome onPubAck(int packetId) {
        InflightSend entry = onWire(packetId);
        if (entry == null) {
            return AckOutcome.NOT_IN_FLIGHT;
        }
        if (entry.delivery == null || entry.delivery.qos() != 1) {
            return AckOutcome.WRONG_KIND; // a QoS 2 send awaits PUBREC, or PUBCOMP after PUBREL
        }
        inflight.remove(entry);
        notHeldBack(entry);
        entry.delivery.release();
        records.acknowledged(entry);
        pump();
        return AckOutcome.ACCEPTED;
    }

    /** The client received a QoS 2 publish; the session answers PUBREL. */
    AckOutcome onPubRec(int packetId, boolean failed) {
        InflightSend entry = onWire(packetId);
        if (entry == null) {
            return AckOutcome.NOT_IN_FLIGHT;
        }
        SessionConnection connection = session.connection();
        if (entry.released) {
            // PUBREC again for a message already released: PUBREL again (unless it still waits for its record).
            if (!entry.storing && connection != null) {
                connection.sendPubRel(packetId);
                connection.flush();
            }
            return AckOutcome.ACCEPTED;
        }
        if (entry.delivery.qos() != 2) {
            return AckOutcome.WRONG_KIND; // a QoS 1 send awaits PUBACK
        }
        notHeldBack(entry);
        entry.delivery.release(); // the payload is not needed any more: only PUBREL may be re-sent
        entry.delivery = null;
        if (failed) {
            // A PUBREC with an error code ends the flow (MQTT 5.0 section 4.3.3).
            inflight.remove(entry);
            records.forget(entry.sequence, entry, null); // QoS 2: never delivered before its put was written
            pump();
            return AckOutcome.ACCEPTED;
        }
        entry.released = true;
        if (entry.sequence == Delivery.NOT_STORED) {
            connection.sendPubRel(packetId);
            connection.flush();
            return AckOutcome.ACCEPTED;
        }
        ordered.releaseOnceStored(entry, packetId); // PUBREL once the store knows the message was received
        return AckOutcome.ACCEPTED;
    }

    /** The client completed a QoS 2 delivery. */
    AckOutcome onPubComp(int packetId) {
        InflightSend entry = onWire(packetId);
        if (entry == null) {
            return AckOutcome.NOT_IN_FLIGHT;
        }
        if (!entry.released) {
            return AckOutcome.WRONG_KIND; // a QoS 1 send awaits PUBACK, a QoS 2 send PUBREC
        }
        inflight.remove(entry);
        records.completed(packetId, entry.sequence);
        pump();
        return AckOutcome.ACCEPTED;
    }

    private void notHeldBack(InflightSend entry) {
        if (entry.heldBack) {
            entry.heldBack = false;
            heldBack--;
        }
    }

    // ---------------------------------------------------------------- connections and the session's life

    /**
     * A connection was attached: re-sends what is in flight, PUBLISH with DUP or PUBREL, in the original order,
     * then what is queued. PUBLISHes beyond the new connection's send quota (the client may have lowered its Receive
     * Maximum, MQTT-3.3.4-9) wait in flight until acknowledgements make room.
     */
    void attached(SessionConnection connection) {
        boolean wrote = false;
        int onWire = 0;
        heldBack = 0;
        InflightSend next;
        for (InflightSend entry = inflight == null ? null : inflight.first(); entry != null; entry = next) {
            next = entry.next;
            entry.heldBack = false;
            if (entry.storing) {
                onWire++; // goes out once stored
            } else if (entry.released) {
                // PUBREL is never held back (MQTT-3.3.4-10), though the delivery counts until PUBCOMP.
                connection.sendPubRel(entry.packetId);
                onWire++;
                wrote = true;
            } else if (onWire < connection.sendQuota()) {
                wrote = true;
                if (resend(connection, entry)) {
                    onWire++;
                } else {
                    inflight.remove(entry);
                }
            } else {
                entry.heldBack = true;
                heldBack++;
            }
        }
        if (wrote) {
            connection.flush();
        }
        pump();
    }

    /** Puts back a send the store held in flight, at start (see {@link SessionTransfer#restoreInflight}). */
    void restore(int packetId, long sequence, Delivery d) {
        InflightSend entry = new InflightSend(d, sequence);
        entry.released = d == null;
        inflight().put(packetId, entry);
    }

    /** Moves the sends for shared subscriptions not received yet to {@code taken}, with their payload references. */
    void takeShared(List<Delivery> taken) {
        if (inflight == null) {
            return;
        }
        InflightSend next;
        for (InflightSend entry = inflight.first(); entry != null; entry = next) {
            next = entry.next;
            if (entry.delivery != null && entry.delivery.shared()) {
                inflight.remove(entry);
                notHeldBack(entry);
                taken.add(entry.delivery);
            }
        }
    }

    /** Releases everything in flight, as the session ends. */
    void clear() {
        if (inflight != null) {
            for (InflightSend entry = inflight.first(); entry != null; entry = entry.next) {
                if (entry.delivery != null) {
                    entry.delivery.release();
                }
            }
            inflight.clear();
        }
        heldBack = 0;
    }

    /** Whether this very send is still in flight (not acknowledged, dropped or cleared since). */
    boolean holds(InflightSend entry) {
        return inflight.get(entry.packetId) == entry;
    }

    int size() {
        return inflight == null ? 0 : inflight.size();
    }

    private InflightSends inflight() {
        if (inflight == null) {
            inflight = new InflightSends();
        }
        return inflight;
    }

    /** The sends in flight by packet identifier, oldest first; to read on the session's loop only. */
    Iterable<Map.Entry<Integer, InflightSend>> inflightSends() {
        return inflight == null ? List.of() : inflight.entries();
    }
}
