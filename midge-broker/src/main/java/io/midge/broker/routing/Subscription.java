package io.midge.broker.routing;

/**
 * One subscriber's subscription at a node of the {@link TopicTree}; immutable, replaced as a whole.
 *
 * @param durable whether a QoS 1 delivery through this subscription is kept in the store when its subscriber is
 *                ({@link Subscriber#isStored}): true for every client's subscription; false only for another cluster
 *                node's route behind which no persistent session wants QoS 1/2, so that what only such routes match
 *                is forwarded without a store write, as a single broker would not store it either
 */
public record Subscription(Subscriber subscriber, SubscriptionOptions options, boolean durable) {
    /** A durable subscription: what a client subscribes to. */
    public Subscription(Subscriber subscriber, SubscriptionOptions options) {
        this(subscriber, options, true);
    }
}
