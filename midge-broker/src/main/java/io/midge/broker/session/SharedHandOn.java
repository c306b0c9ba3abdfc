package io.midge.broker.session;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Matches;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.Subscription;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives the messages that shared subscriptions had chosen an ended session for, and that it did not complete, to
 * the members of those groups whose turn it is: the Server SHOULD send them to another client of the same shared
 * subscription (MQTT 5.0 section 4.8.2). Kept apart from {@link SessionRegistry}, which ends the session and calls
 * this on its loop once the session has left its groups.
 */
final class SharedHandOn {
    private final TopicTree topicTree;
    private final BrokerMetrics metrics;

    SharedHandOn(TopicTree topicTree, BrokerMetrics metrics) {
        this.topicTree = topicTree;
        this.metrics = metrics;
    }

    /**
     * Hands each of {@code undelivered} (their payload references with them) to the next member of the group among
     * {@code sharedFilters} it came through; what no member takes is released.
     */
    void handOn(List<Delivery> undelivered, List<String> sharedFilters) {
        // Which of the session's groups a message came through: match its topic against just those filters, one
        // stand-in member per group, with the topic tree's own matching.
        TopicTree groups = new TopicTree();
        for (String filter : sharedFilters) {
            groups.subscribe(new GroupOf(filter), filter, SubscriptionOptions.of(0));
        }
        long now = System.nanoTime();
        // A message that came through several of the session's groups is here once per group, in any order: each
        // copy goes back to a different one of them.
        Map<Message, Matches> groupsOf = new IdentityHashMap<>();
        Map<Message, Integer> copies = new IdentityHashMap<>();
        for (Delivery d : undelivered) {
            Message message = d.message();
            Matches matches = groupsOf.computeIfAbsent(message, m -> groups.match(m.topic(), null));
            int copy = copies.merge(message, 1, Integer::sum) - 1;
            Subscription member = copy < matches.size() && !message.isExpired(now)
                    ? topicTree.nextSharedMember(((GroupOf) matches.subscriber(copy)).filter()) : null;
            if (member == null) {
                d.release();
                continue;
            }
            SubscriptionOptions options = member.options();
            int[] ids = options.subscriptionId() == 0 ? Delivery.NO_IDS : new int[] {options.subscriptionId()};
            Delivery handedOn = new Delivery(message, Math.min(message.qos(), options.qos()),
                    message.retain() && options.retainAsPublished(), ids, true);
            if (member.subscriber().offer(handedOn)) {
                metrics.sharedHandedOn.increment();
            } else {
                d.release();
            }
        }
    }

    /** A stand-in member of one share group, to learn which groups a topic matches. */
    private record GroupOf(String filter) implements Subscriber {
        @Override
        public String clientId() {
            return "";
        }

        @Override
        public boolean isOnline() {
            return true;
        }

        @Override
        public boolean offer(Delivery delivery) {
            return false; // a stand-in for matching only: it never receives
        }
    }
}
