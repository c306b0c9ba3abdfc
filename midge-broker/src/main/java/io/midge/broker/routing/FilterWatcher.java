package io.midge.broker.routing;

/**
 * Told when a subscriber's subscription to a filter is added to the {@link TopicTree}, changes, or leaves it: what a
 * cluster needs to announce the filters its node wants, and whether a persistent session wants one at QoS 1/2 (see
 * {@link Subscription#durable}). Called on the subscriber's loop, on any loop at once, as the change is made; it must
 * be quick and thread-safe.
 */
public interface FilterWatcher {
    void added(Subscriber subscriber, String filter, SubscriptionOptions options);

    void removed(Subscriber subscriber, String filter);

    /**
     * The subscription's options were replaced, or its subscriber is kept in the store from now on
     * ({@link Subscriber#isStored} became true while it had subscriptions).
     */
    void changed(Subscriber subscriber, String filter, SubscriptionOptions options);
}
