package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedSubscriptionTest {
    private final TopicTree tree = new TopicTree();
    private final FakeSession a = new FakeSession("a");
    private final FakeSession b = new FakeSession("b");
    private final FakeSession c = new FakeSession("c");

    @Test
    void spreadsMessagesEvenlyOverTheMembersInTurn() {
        for (FakeSession member : List.of(a, b, c)) {
            tree.subscribe(member, "$share/workers/jobs/+", SubscriptionOptions.of(1));
        }

        Map<String, Integer> received = deliver("jobs/42", 300);

        assertThat(received).containsOnly(Map.entry("a", 100), Map.entry("b", 100), Map.entry("c", 100));
    }

    @Test
    void takesMembersInTurnSoNoMemberGetsTwoMessagesInARow() {
        for (FakeSession member : List.of(a, b, c)) {
            tree.subscribe(member, "$share/workers/jobs", SubscriptionOptions.of(1));
        }
        List<Subscriber> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(tree.match("jobs", null).subscriber(0));
        }
        assertThat(order.subList(0, 3)).containsExactlyInAnyOrder(a, b, c);
        assertThat(order.subList(3, 6)).isEqualTo(order.subList(0, 3));
    }

    @Test
    void prefersOnlineMembersAndSpreadsEvenlyAmongThem() {
        for (FakeSession member : List.of(a, b, c)) {
            tree.subscribe(member, "$share/workers/jobs", SubscriptionOptions.of(1));
        }
        b.online = false;

        Map<String, Integer> received = deliver("jobs", 300);

        assertThat(received).containsOnly(Map.entry("a", 150), Map.entry("c", 150));
    }

    @Test
    void queuesInTurnWhenNoMemberIsOnline() {
        for (FakeSession member : List.of(a, b, c)) {
            tree.subscribe(member, "$share/workers/jobs", SubscriptionOptions.of(1));
            member.online = false;
        }

        Map<String, Integer> received = deliver("jobs", 30);

        assertThat(received).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
    }

    @Test
    void deliversToTheOnlyOnlineMemberWhateverTheTurn() {
        for (FakeSession member : List.of(a, b, c)) {
            tree.subscribe(member, "$share/workers/jobs", SubscriptionOptions.of(1));
            member.online = false;
        }
        c.online = true;

        assertThat(deliver("jobs", 10)).containsOnly(Map.entry("c", 10));
    }

    @Test
    void reportsASharedDeliveryApartFromTheSubscribersOwnSubscription() {
        tree.subscribe(a, "sensors/+", new SubscriptionOptions(0, false, false, 0, 1));
        tree.subscribe(a, "$share/g/sensors/#", new SubscriptionOptions(2, false, true, 0, 2));

        Matches found = tree.match("sensors/t1", null);

        assertThat(found.size()).isEqualTo(2);
        int shared = found.shared(0) ? 0 : 1;
        int plain = 1 - shared;
        assertThat(found.subscriber(shared)).isSameAs(a);
        assertThat(found.qos(shared)).isEqualTo(2);
        assertThat(found.retainAsPublished(shared)).isTrue();
        assertThat(found.subscriptionIds(shared)).containsExactly(2);
        assertThat(found.subscriber(plain)).isSameAs(a);
        assertThat(found.shared(plain)).isFalse();
        assertThat(found.qos(plain)).isZero();
        assertThat(found.retainAsPublished(plain)).isFalse();
        assertThat(found.subscriptionIds(plain)).containsExactly(1);
    }

    @Test
    void deliversOnceToEachGroupAndEachSharedFilterThatMatches() {
        tree.subscribe(a, "$share/one/jobs/#", SubscriptionOptions.of(0));
        tree.subscribe(b, "$share/one/jobs/#", SubscriptionOptions.of(0));
        tree.subscribe(c, "$share/two/jobs/#", SubscriptionOptions.of(0));
        tree.subscribe(c, "$share/two/jobs/+", SubscriptionOptions.of(0));

        for (int i = 0; i < 4; i++) {
            Matches found = tree.match("jobs/x", null);
            List<String> members = new ArrayList<>();
            for (int k = 0; k < found.size(); k++) {
                assertThat(found.shared(k)).isTrue();
                members.add(found.subscriber(k).clientId());
            }
            // group "one" once (a or b); group "two" once per filter: jobs/# and jobs/+ are two subscriptions
            assertThat(members).containsExactlyInAnyOrder(i % 2 == 0 ? "a" : "b", "c", "c");
        }
    }

    @Test
    void keepsTheDollarRuleForSharedWildcards() {
        tree.subscribe(a, "$share/g/#", SubscriptionOptions.of(0));
        tree.subscribe(b, "$share/g/$SYS/#", SubscriptionOptions.of(0));

        Matches found = tree.match("$SYS/broker/load", null);

        assertThat(found.size()).isEqualTo(1);
        assertThat(found.subscriber(0)).isSameAs(b);
    }

    @Test
    void resubscribingToAGroupReplacesTheMembershipOptions() {
        assertThat(tree.subscribe(a, "$share/g/t", SubscriptionOptions.of(0))).isEqualTo(SubscribeResult.CREATED);
        assertThat(tree.subscribe(a, "$share/g/t", new SubscriptionOptions(2, false, false, 0, 6)))
                .isEqualTo(SubscribeResult.REPLACED);
        assertThat(tree.subscribe(a, "$share/other/t", SubscriptionOptions.of(1))).isEqualTo(SubscribeResult.CREATED);
        assertThat(tree.subscribe(a, "t", SubscriptionOptions.of(1))).isEqualTo(SubscribeResult.CREATED);

        Matches found = tree.match("t", null);

        assertThat(found.size()).isEqualTo(3);
        assertThat(tree.subscriptionCount()).isEqualTo(3);
        int g = -1;
        for (int i = 0; i < found.size(); i++) {
            if (found.shared(i) && found.qos(i) == 2) {
                g = i;
            }
        }
        assertThat(g).isNotNegative();
        assertThat(found.subscriptionIds(g)).containsExactly(6);
    }

    @Test
    void leavingAGroupStopsDeliveriesToThatMemberAndAnEmptyGroupDisappears() {
        tree.subscribe(a, "$share/g/t", SubscriptionOptions.of(0));
        tree.subscribe(b, "$share/g/t", SubscriptionOptions.of(0));
        tree.subscribe(c, "t", SubscriptionOptions.of(0));

        assertThat(tree.unsubscribe(a, "t")).isFalse(); // a plain filter is not the shared one
        assertThat(tree.unsubscribe(a, "$share/other/t")).isFalse();
        assertThat(tree.unsubscribe(a, "$share/g/t")).isTrue();
        assertThat(deliverShared("t", 10)).containsOnly(Map.entry("b", 10));

        assertThat(tree.unsubscribe(b, "$share/g/t")).isTrue();
        Matches found = tree.match("t", null);
        assertThat(found.size()).isEqualTo(1);
        assertThat(found.shared(0)).isFalse();

        tree.unsubscribe(c, "t");
        assertThat(tree.nodeCount()).isZero();
        assertThat(tree.subscriptionCount()).isZero();
    }

    @Test
    void aMemberThatJoinsLaterGetsItsShareToo() {
        tree.subscribe(a, "$share/g/t", SubscriptionOptions.of(0));
        tree.subscribe(b, "$share/g/t", SubscriptionOptions.of(0));
        deliver("t", 5);
        tree.subscribe(c, "$share/g/t", SubscriptionOptions.of(0));

        assertThat(deliver("t", 300)).containsOnly(Map.entry("a", 100), Map.entry("b", 100), Map.entry("c", 100));
    }

    /** Publishes {@code count} messages and counts the deliveries per client. */
    private Map<String, Integer> deliver(String topic, int count) {
        Map<String, Integer> received = new HashMap<>();
        Matches matches = new Matches();
        for (int i = 0; i < count; i++) {
            tree.match(topic, "publisher", matches);
            assertThat(matches.size()).isEqualTo(1);
            received.merge(matches.subscriber(0).clientId(), 1, Integer::sum);
        }
        return received;
    }

    private Map<String, Integer> deliverShared(String topic, int count) {
        Map<String, Integer> received = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Matches found = tree.match(topic, null);
            for (int k = 0; k < found.size(); k++) {
                if (found.shared(k)) {
                    received.merge(found.subscriber(k).clientId(), 1, Integer::sum);
                }
            }
        }
        return received;
    }
}
