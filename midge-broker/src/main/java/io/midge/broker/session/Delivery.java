package io.midge.broker.session;

/**
 * One message on its way to one subscriber: the QoS it is delivered at (the minimum of the published and the
 * granted QoS), the RETAIN flag it carries, and the identifiers of the subscriptions it matched. A delivery owns one
 * reference to the message's payload until it is sent, dropped or acknowledged.
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
    static final int[] NO_IDS = new int[0];

    public void release() {
        message.payload().release();
    }
}
