package io.midge.broker.routing;

import io.midge.codec.Topics;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Every subscription of every session, indexed by topic filter level, and the matching of published topics against
 * them (MQTT 5.0 section 4.7, shared subscriptions section 4.8.2).
 *
 * <p>Threads: {@link #match} runs on every event loop at once and takes no lock; it reads volatile fields and
 * concurrent maps only. Subscribe and unsubscribe lock the nodes they change, one at a time, and prune the nodes
 * they leave empty (see {@link TrieNode} for the protocol). A match that runs concurrently with a change sees the
 * subscription either before or after it.
 *
 * <p>Filters are assumed valid ({@link Topics#topicFilterProblem}); topics are assumed to be valid topic names.
 */
public final class TopicTree {
    private final TopicNode root = new TopicNode(null, "");
    private final AtomicInteger subscriptionCount = new AtomicInteger();
    /** Who hears of filters added and removed (a cluster); null when nobody does, as on a single broker. */
    private volatile FilterWatcher watcher;

    /** Sets who hears of every subscription added or removed from now on. */
    public void watch(FilterWatcher filterWatcher) {
        this.watcher = filterWatcher;
    }

    /**
     * Adds a subscription, or replaces the options of the subscriber's existing subscription to the same filter.
     * A shared filter {@code $share/<group>/<filter>} makes the subscriber a member of that group.
     */
    public SubscribeResult subscribe(Subscriber subscriber, String filter, SubscriptionOptions options) {
        return subscribe(subscriber, filter, options, true);
    }

    /**
     * {@link #subscribe(Subscriber, String, SubscriptionOptions)}, saying whether QoS 1 deliveries through the
     * subscription are kept in the store ({@link Subscription#durable}); replacing a subscription changes that too.
     */
    public SubscribeResult subscribe(Subscriber subscriber, String filter, SubscriptionOptions options,
                                     boolean durable) {
        Subscription subscription = new Subscription(subscriber, options, durable);
        boolean replaced;
        if (Topics.isSharedFilter(filter)) {
            int slash = filter.indexOf('/', Topics.SHARE_PREFIX.length());
            String group = filter.substring(Topics.SHARE_PREFIX.length(), slash);
            replaced = TrieNode.updateCreating(root, filter.substring(slash + 1),
                    node -> node.putShared(group, subscription));
        } else {
            replaced = TrieNode.updateCreating(root, filter, node -> node.put(subscription));
        }
        FilterWatcher w = watcher;
        if (replaced) {
            if (w != null) {
                w.changed(subscriber, filter, options);
            }
            return SubscribeResult.REPLACED;
        }
        subscriptionCount.incrementAndGet();
        if (w != null) {
            w.added(subscriber, filter, options);
        }
        return SubscribeResult.CREATED;
    }

    /** Removes the subscriber's subscription to the filter (shared or not); true when there was one. */
    public boolean unsubscribe(Subscriber subscriber, String filter) {
        boolean removed;
        if (Topics.isSharedFilter(filter)) {
            int slash = filter.indexOf('/', Topics.SHARE_PREFIX.length());
            String group = filter.substring(Topics.SHARE_PREFIX.length(), slash);
            removed = TrieNode.updateExisting(root, filter.substring(slash + 1),
                    node -> node.removeShared(group, subscriber), false);
        } else {
            removed = TrieNode.updateExisting(root, filter, node -> node.remove(subscriber), false);
        }
        if (removed) {
            subscriptionCount.decrementAndGet();
            FilterWatcher w = watcher;
            if (w != null) {
                w.removed(subscriber, filter);
            }
        }
        return removed;
    }

    /**
     * The subscriber is kept in the store from now on, with these subscriptions (by filter): the watcher hears of each,
     * since a persistent session's QoS 1/2 subscriptions make durable routes in a cluster.
     */
    public void storedNow(Subscriber subscriber, Map<String, SubscriptionOptions> subscriptions) {
        FilterWatcher w = watcher;
        if (w != null) {
            subscriptions.forEach((filter, options) -> w.changed(subscriber, filter, options));
        }
    }

    /**
     * Whether any subscription to exactly {@code filter} (a shared one's group members for {@code $share/g/f}) passes
     * the test; lock-free, like {@link #match}, and it stops at the first that does.
     */
    public boolean anySubscription(String filter, Predicate<Subscription> test) {
        if (Topics.isSharedFilter(filter)) {
            SharedGroup group = group(filter);
            if (group != null) {
                for (Subscription member : group.members) {
                    if (test.test(member)) {
                        return true;
                    }
                }
            }
            return false;
        }
        TopicNode node = TrieNode.find(root, filter);
        if (node == null) {
            return false;
        }
        Object subscriptions = node.subscriptions;
        if (subscriptions instanceof Subscription single) {
            return test.test(single);
        }
        Iterable<Subscription> all = subscriptions instanceof Subscription[] array ? Arrays.asList(array)
                : TopicNode.asMap(subscriptions).values();
        for (Subscription subscription : all) {
            if (test.test(subscription)) {
                return true;
            }
        }
        return false;
    }

    /** Removes the subscriber's subscriptions to all these filters, as when its session ends. */
    public void unsubscribeAll(Subscriber subscriber, Collection<String> filters) {
        for (String filter : filters) {
            unsubscribe(subscriber, filter);
        }
    }

    /**
     * The member of the share group {@code $share/<group>/<filter>} whose turn it is, as {@link #match} would choose
     * it, or null when the group has no members. For handing a message on when the member it went to has left.
     */
    public Subscription nextSharedMember(String sharedFilter) {
        SharedGroup group = group(sharedFilter);
        return group == null ? null : group.next(false);
    }

    /**
     * The member of a share group that a message on {@code topic}, forwarded by another node that chose this node
     * for the group, goes to: one of this node's own members; with {@code localOnly} false and none left here, one
     * other node holding members (its forwarding queue). Null when there is none, or the topic does not match.
     */
    public Subscription sharedMember(String sharedFilter, String topic, boolean localOnly) {
        SharedGroup group = group(sharedFilter);
        if (group == null || !TopicFilters.matches(sharedFilter.substring(sharedFilter.indexOf('/',
                Topics.SHARE_PREFIX.length()) + 1), topic)) {
            return null;
        }
        return group.next(localOnly);
    }

    private SharedGroup group(String sharedFilter) {
        int slash = sharedFilter.indexOf('/', Topics.SHARE_PREFIX.length());
        if (slash < 0) {
            return null;
        }
        String group = sharedFilter.substring(Topics.SHARE_PREFIX.length(), slash);
        TopicNode node = TrieNode.find(root, sharedFilter.substring(slash + 1));
        if (node != null) {
            for (SharedGroup candidate : node.groups) {
                if (candidate.name.equals(group)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** Matches into a new {@link Matches}; convenient where allocation does not matter. */
    public Matches match(String topic, String publisherClientId) {
        Matches matches = new Matches();
        match(topic, publisherClientId, matches);
        return matches;
    }

    /**
     * Finds the deliveries of a message published to {@code topic} by {@code publisherClientId} (null when it comes
     * from no client, as a bridged message or a will may; No Local then never applies). {@code into} is cleared
     * first. Lock-free, and allocation-free once {@code into} has grown to the fan-out.
     */
    public void match(String topic, String publisherClientId, Matches into) {
        match(topic, publisherClientId, NodeClientIds.isNode(publisherClientId), into);
    }

    /** As {@link #match(String, String, Matches)}, with whether the publisher is a node known already. */
    void match(String topic, String publisherClientId, boolean fromNode, Matches into) {
        into.clear();
        into.fromNode = fromNode;
        // Filters starting with a wildcard do not match topics starting with '$' (MQTT 5.0 section 4.7.2).
        boolean system = TopicFilters.isSystemTopic(topic);
        into.push(root, 0);
        while (into.pending > 0) {
            int top = --into.pending;
            TopicNode node = into.pendingNodes[top];
            int offset = into.pendingOffsets[top];
            into.pendingNodes[top] = null;
            boolean wildcardsAllowed = !(system && node == root);

            // '#' matches the rest of the topic, including nothing at all: "sport/#" matches "sport".
            TopicNode hash = node.hash;
            if (hash != null && wildcardsAllowed) {
                collect(hash, publisherClientId, into);
            }
            if (offset < 0) {
                collect(node, publisherClientId, into); // the whole topic is consumed: filters ending here match
                continue;
            }
            int end = TrieNode.levelEnd(topic, offset);
            int next = end < topic.length() ? end + 1 : -1;
            TopicNode plus = node.plus;
            if (plus != null && wildcardsAllowed) {
                into.push(plus, next);
            }
            TopicNode child = node.child(into.levelKey.at(topic, offset, end));
            if (child != null) {
                into.push(child, next);
            }
        }
        into.levelKey.clear();
    }

    /**
     * Completes once these filters, just subscribed to, reach whoever publishes elsewhere (see {@link
     * FilterWatcher#spread}); at once without a watcher. Never fails.
     */
    public CompletableFuture<Void> spread(Collection<String> filters) {
        FilterWatcher w = watcher;
        return w == null ? CompletableFuture.completedFuture(null) : w.spread(filters);
    }

    /** The number of subscriptions, shared ones included. */
    public int subscriptionCount() {
        return subscriptionCount.get();
    }

    /** The number of nodes below the root; walks the whole tree. Zero once every subscription is gone. */
    int nodeCount() {
        return TrieNode.countBelow(root);
    }

    private static void collect(TopicNode node, String publisherClientId, Matches into) {
        Object subscriptions = node.subscriptions;
        if (subscriptions instanceof Subscription single) {
            into.addPlain(single, publisherClientId);
        } else if (subscriptions instanceof Subscription[] array) {
            for (Subscription subscription : array) {
                into.addPlain(subscription, publisherClientId);
            }
        } else {
            for (Subscription subscription : TopicNode.asMap(subscriptions).values()) {
                into.addPlain(subscription, publisherClientId);
            }
        }
        // One member of each share group; the spec makes No Local on a shared subscription a protocol error. A
        // message from another node reaches no group: the node it was published on chose one node per group, and
        // marked the copy it sent for that group (see Router.route).
        if (into.fromNode) {
            return;
        }
        for (SharedGroup group : node.groups) {
            into.addShared(group.next(false));
        }
    }
}
