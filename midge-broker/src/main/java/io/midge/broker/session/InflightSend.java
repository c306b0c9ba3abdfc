package io.midge.broker.session;

import io.midge.broker.routing.Delivery;

/**
 * A QoS 1/2 message sent to the client and not acknowledged yet, under its packet identifier in the
 * {@link OutboundWindow}; after PUBREC only the identifier matters. Touched on the session's loop only.
 */
final class InflightSend {
    /** The message, until PUBREC releases its payload (QoS 2); null from then on, or when restored as released. */
    Delivery delivery;
    /** The delivery's key in the store's queue, or {@link Delivery#NOT_STORED}. */
    final long sequence;
    /** PUBREC received, PUBREL sent, waiting for PUBCOMP. */
    boolean released;
    /** Left in flight by an earlier connection and not re-sent yet: the client's quota was full. */
    boolean heldBack;
    /** A stored QoS 2 PUBLISH, or its PUBREL, waits for its in-flight record before it goes out. */
    boolean storing;
    /** A QoS 1 send whose record waits in {@link DeliveryRecords} to be handed to the store. */
    boolean recordPending;
    /** Its packet identifier, and its neighbours in the order sent: kept by {@link InflightSends}. */
    int packetId;
    InflightSend prev;
    InflightSend next;

    InflightSend(Delivery delivery, long sequence) {
        this.delivery = delivery;
        this.sequence = sequence;
    }
}
