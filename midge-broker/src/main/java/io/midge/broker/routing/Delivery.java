package io.midge.broker.routing;

import io.midge.broker.persistence.QueuedPut;

/**
 * One message on its way to one subscriber: the QoS it is delivered at (the minimum of the published and the
 * granted QoS), the RETAIN flag it carries, and the identifiers of the subscriptions it matched. A delivery owns one
 * reference to the message's payload until it is sent, dropped or acknowledged.
 *
 * @param shared   whether a shared subscription chose this subscriber: if its session ends before the delivery is
 *                 done, another member of the group gets the message (MQTT 5.0 section 4.8.2)
 * @param sequence the key of the delivery in its session's stored queue, or {@link #NOT_STORED}: the session's
 *                 acknowledgements then remove it from the store too
 * @param put      the store's put of its queue entry while that may still be cancelled (a QoS 1 publish delivered
 *                 before it is durable), else null: see {@link #cancelPut}
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared,
                       long sequence, QueuedPut put) {
    public static final int[] NO_IDS = new int[0];
    public static final long NOT_STORED = -1;

    /** A delivery for a plain (not shared) subscription. */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, false, NOT_STORED);
    }

    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared) {
        this(message, qos, retain, subscriptionIds, shared, NOT_STORED);
    }

    /** A delivery whose queue entry, if stored, is written already (or cannot be cancelled). */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared, long sequence) {
        this(message, qos, retain, subscriptionIds, shared, sequence, null);
    }

    public boolean isStored() {
        return sequence != NOT_STORED;
    }

    /** The same delivery, kept in the store's queue under {@code seq}; {@code put} as {@link #put}. */
    public Delivery storedAs(long seq, QueuedPut put) {
        return new Delivery(message, qos, retain, subscriptionIds, shared, seq, put);
    }

    /** The same delivery with another message (its own copy of the payload, say). */
    public Delivery withMessage(Message other) {
        return new Delivery(other, qos, retain, subscriptionIds, shared, sequence, put);
    }

    /**
     * The delivery is done with (acknowledged, dropped, taken out): true when its queue entry's put was cancelled
     * before a writer took it, so that nothing of it reaches the store and the caller writes no removal; false when
     * the entry is (or will be) in the store, or was never stored, and a stored one is removed as usual.
     */
    public boolean cancelPut() {
        return put != null && put.cancel();
    }

    public void release() {
        message.payload().release();
    }
}
