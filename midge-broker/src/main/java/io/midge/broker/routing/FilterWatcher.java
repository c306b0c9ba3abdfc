package io.midge.broker.routing;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

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

    /**
     * Completes once the filters just subscribed to reach whatever publishes elsewhere (a cluster's other nodes), so
     * that SUBACK may promise that a message published from then on reaches the subscription; at once where nothing
     * else publishes. Never fails.
     */
    default CompletableFuture<Void> spread(Collection<String> filters) {
        return CompletableFuture.completedFuture(null);
    }
}
