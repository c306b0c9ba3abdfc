package io.midge.broker.routing;

import io.midge.broker.routing.Message;

/**
 * One message on its way to one subscriber: the QoS it is delivered at (the minimum of the published and the
 * granted QoS), the RETAIN flag it carries, and the identifiers of the subscriptions it matched. A delivery owns one
 * reference to the message's payload until it is sent, dropped or acknowledged.
 *
 * @param shared   whether a shared subscription chose this subscriber: if its session ends before the delivery is
 *                 done, another member of the group gets the message (MQTT 5.0 section 4.8.2)
 * @param sequence the key of the delivery in its session's stored queue, or {@link #NOT_STORED}: the session's
 *                 acknowledgements then remove it from the store too
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared,
                       long sequence) {
    public static final int[] NO_IDS = new int[0];
    public static final long NOT_STORED = -1;

    /** A delivery for a plain (not shared) subscription. */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, false, NOT_STORED);
    }

    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared) {
        this(message, qos, retain, subscriptionIds, shared, NOT_STORED);
    }

    public boolean isStored() {
        return sequence != NOT_STORED;
    }

    /** The same delivery, kept in the store's queue under {@code seq}. */
    public Delivery storedAs(long seq) {
        return new Delivery(message, qos, retain, subscriptionIds, shared, seq);
    }

    public void release() {
        message.payload().release();
    }
}
