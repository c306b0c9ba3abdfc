package io.midge.broker.routing;

/** One subscriber's subscription at a node of the {@link TopicTree}; immutable, replaced as a whole. */
public record Subscription(Subscriber subscriber, SubscriptionOptions options) {
}
