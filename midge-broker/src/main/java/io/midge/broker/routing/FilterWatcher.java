package io.midge.broker.routing;

/**
 * Told when a subscriber's subscription to a filter is added to the {@link TopicTree} or leaves it (not when only
 * its options change): what a cluster needs to announce the filters its node wants. Called on the subscriber's
 * loop, on any loop at once, as the change is made; it must be quick and thread-safe.
 */
public interface FilterWatcher {
    void added(Subscriber subscriber, String filter);

    void removed(Subscriber subscriber, String filter);
}
