package io.midge.broker.persistence;

import java.util.List;
import java.util.Map;

/**
 * A persistent session as restored at start.
 *
 * @param expiresAtMillis epoch milliseconds at which the session expires if no client connects, or
 *                        {@link Long#MAX_VALUE} for never (see {@link StoredSession#expiresAtMillis})
 * @param subscriptions   filter to options
 * @param queued          deliveries not sent yet, in sequence order
 * @param inflight        deliveries sent and not completed, in the order they were sent
 * @param inboundQos2     packet identifiers of QoS 2 messages received and not released, ascending
 * @param nextSequence    the sequence number to use for the next queued delivery
 * @param movedCopies     on a node of a cluster, what the session moved here drops as copies and which moves' tails
 *                        it holds; null when it did not move here (or the record was written before there was one)
 */
public record RecoveredSession(StoredSession session, long expiresAtMillis, Map<String, StoredSubscription> subscriptions,
                               List<QueuedDelivery> queued, List<InflightDelivery> inflight, int[] inboundQos2,
                               long nextSequence, StoredMovedCopies movedCopies) {

    /** A session without a record of a move to this node (one moving here, one restored on its own). */
    public RecoveredSession(StoredSession session, long expiresAtMillis, Map<String, StoredSubscription> subscriptions,
                            List<QueuedDelivery> queued, List<InflightDelivery> inflight, int[] inboundQos2,
                            long nextSequence) {
        this(session, expiresAtMillis, subscriptions, queued, inflight, inboundQos2, nextSequence, null);
    }

    public String clientId() {
        return session.clientId();
    }
}
