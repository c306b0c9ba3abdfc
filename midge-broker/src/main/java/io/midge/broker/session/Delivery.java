package io.midge.broker.session;

/**
 * One message on its way to one subscriber: the QoS it is delivered at (the minimum of the published and the
 * granted QoS), the RETAIN flag it carries, and the identifiers of the subscriptions it matched. A delivery owns one
 * reference to the message's payload until it is sent, dropped or acknowledged.
 *
 * @param shared whether a shared subscription chose this subscriber: if its session ends before the delivery is
 *               done, another member of the group gets the message (MQTT 5.0 section 4.8.2)
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, boolean shared) {
    static final int[] NO_IDS = new int[0];

    /** A delivery for a plain (not shared) subscription. */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, false);
    }

    public void release() {
        message.payload().release();
    }
}
