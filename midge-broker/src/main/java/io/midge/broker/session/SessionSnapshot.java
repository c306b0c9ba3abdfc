package io.midge.broker.session;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.StoredMessages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's whole state as the store would restore it ({@link RecoveredSession}): subscriptions with their options,
 * the messages in flight (in the order sent, QoS 2 after PUBREC as the PUBREL to re-send), the queued ones, and the
 * QoS 2 identifiers the client published and has not released. Used to move a session to another node of a cluster,
 * which installs it as if restoring it. Deliveries are renumbered from 0 in their order (in flight first): the other
 * node keeps none of this node's keys.
 */
public final class SessionSnapshot {
    private SessionSnapshot() {
    }

    /** On the session's loop: everything the session holds, the mailbox drained first; the session is unchanged. */
    public static RecoveredSession of(Session s) {
        return of(s, new ArrayList<>());
    }

    /**
     * As {@link #of(Session)}, and adds to {@code read} the deliveries it read (in flight, then queued), still the
     * session's own: to tell later arrivals from them.
     */
    public static RecoveredSession of(Session s, List<Delivery> read) {
        if (!s.executor().inEventLoop()) {
            throw new IllegalStateException("a session is read on its own loop only");
        }
        s.flow().mailbox().drain();
        read.addAll(deliveriesHeld(s));
        Map<String, StoredSubscription> subscriptions = new LinkedHashMap<>();
        s.subscriptions().forEach((filter, options) -> subscriptions.put(filter, options.toStored()));
        long sequence = 0;
        List<InflightDelivery> inflight = new ArrayList<>();
        for (Map.Entry<Integer, InflightSend> e : s.flow().inflightSends()) {
            InflightSend send = e.getValue();
            Delivery d = send.delivery;
            if (send.released || d == null) {
                inflight.add(new InflightDelivery(e.getKey(), sequence++, InflightState.AWAITING_PUBCOMP, null));
            } else {
                inflight.add(new InflightDelivery(e.getKey(), sequence++, d.qos() == 1
                        ? InflightState.AWAITING_PUBACK : InflightState.AWAITING_PUBREC,
                        StoredMessages.toStored(d, StoredMessages.toStored(d.message()))));
            }
        }
        List<QueuedDelivery> queued = new ArrayList<>();
        for (Delivery d : s.flow().mailbox().queued()) {
            queued.add(new QueuedDelivery(sequence++, StoredMessages.toStored(d, StoredMessages.toStored(d.message()))));
        }
        StoredSession record = new StoredSession(s.clientId(), s.protocolVersion(),
                Math.min(s.expiryIntervalSeconds(), StoredSession.NEVER_EXPIRES), StoredSession.CONNECTED,
                s.clusterEpoch());
        return new RecoveredSession(record, Long.MAX_VALUE, subscriptions, queued, inflight, s.inboundQos2().ids(),
                sequence);
    }

    /**
     * On the session's loop, the mailbox drained first: the deliveries it holds (in flight, then queued), still its
     * own; to tell later arrivals from those already read.
     */
    public static List<Delivery> deliveries(Session s) {
        s.flow().mailbox().drain();
        return deliveriesHeld(s);
    }

    private static List<Delivery> deliveriesHeld(Session s) {
        List<Delivery> all = new ArrayList<>();
        for (Map.Entry<Integer, InflightSend> e : s.flow().inflightSends()) {
            if (e.getValue().delivery != null) {
                all.add(e.getValue().delivery);
            }
        }
        for (Delivery d : s.flow().mailbox().queued()) {
            all.add(d);
        }
        return all;
    }
}
