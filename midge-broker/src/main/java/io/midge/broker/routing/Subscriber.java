package io.midge.broker.routing;

/**
 * Whoever holds subscriptions in the {@link TopicTree} and takes the messages routed to them: a client's session,
 * and next a remote cluster node or a bridge. It is all the router knows of a receiver. The tree tells subscribers
 * apart by object identity ({@code ==}), whatever {@code equals} says, so one session object is one subscriber.
 */
public interface Subscriber {
    /** The client identifier, compared with the publisher's for the No Local option. */
    String clientId();

    /**
     * Whether this subscriber stands for another node of a cluster ({@link NodeClientIds}). Asked for every message
     * routed to it, so a subscriber whose identifier never changes answers from a field: comparing the prefix each
     * time cost a cluster's nodes about 5 % of their CPU at full load.
     */
    default boolean isNode() {
        return NodeClientIds.isNode(clientId());
    }

    /** Whether a connection is attached now; shared subscriptions prefer online members. Read concurrently. */
    boolean isOnline();

    /**
     * Takes a delivery, from any thread. The subscriber takes over the delivery's payload reference when it returns
     * true; when it returns false (no room: the message is dropped) the caller keeps it.
     */
    boolean offer(Delivery delivery);

    /**
     * Whether the store keeps what is queued for this subscriber: a durable publish then queues its deliveries in
     * the store too, under keys from {@link #reserveSequence}.
     */
    default boolean isStored() {
        return false;
    }

    /** A key for a delivery queued in the store for this subscriber; from any thread. */
    default long reserveSequence() {
        throw new UnsupportedOperationException(clientId() + " keeps nothing in the store");
    }
}
