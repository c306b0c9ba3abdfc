package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TopicTreeTest {
    private final TopicTree tree = new TopicTree();
    private final FakeSession alice = new FakeSession("alice");
    private final FakeSession bob = new FakeSession("bob");

    @ParameterizedTest(name = "{0} against {1}: {2}")
    @MethodSource("io.midge.broker.routing.MatchingTable#rows")
    void matchesTopicsAsTheSpecificationSays(String filter, String topic, boolean matches) {
        tree.subscribe(alice, filter, SubscriptionOptions.of(1));

        Matches found = tree.match(topic, "publisher");

        if (matches) {
            assertThat(found.size()).isEqualTo(1);
            assertThat(found.subscriber(0)).isSameAs(alice);
            assertThat(found.qos(0)).isEqualTo(1);
            assertThat(found.shared(0)).isFalse();
        } else {
            assertThat(found.size()).isZero();
        }
    }

    @ParameterizedTest(name = "$share/g/{0} against {1}: {2}")
    @MethodSource("io.midge.broker.routing.MatchingTable#rows")
    void matchesSharedFiltersByTheSameRules(String filter, String topic, boolean matches) {
        tree.subscribe(alice, "$share/g/" + filter, SubscriptionOptions.of(1));

        Matches found = tree.match(topic, "publisher");

        assertThat(found.size()).isEqualTo(matches ? 1 : 0);
        if (matches) {
            assertThat(found.shared(0)).isTrue();
        }
    }

    @Test
    void reportsEachSubscriberOnceWithItsOverlappingSubscriptionsMerged() {
        tree.subscribe(alice, "home/+/temp", new SubscriptionOptions(0, false, false, 0, 5));
        tree.subscribe(alice, "home/#", new SubscriptionOptions(2, false, false, 0, 3));
        tree.subscribe(alice, "home/kitchen/temp", new SubscriptionOptions(1, false, true, 0, 0));
        tree.subscribe(alice, "home/kitchen/+", new SubscriptionOptions(0, false, false, 0, 5));
        tree.subscribe(bob, "home/kitchen/temp", SubscriptionOptions.of(0));

        Matches found = tree.match("home/kitchen/temp", "sensor");

        Map<String, String> byClient = describe(found);
        assertThat(byClient).containsExactly(
                Map.entry("alice", "qos 2 rap ids [3, 5]"),
                Map.entry("bob", "qos 0 ids []"));
    }

    @Test
    void keepsRetainAsPublishedOffWhenNoMatchingSubscriptionAsksForIt() {
        tree.subscribe(alice, "a/+", new SubscriptionOptions(1, false, false, 0, 0));
        tree.subscribe(alice, "a/b", new SubscriptionOptions(0, false, false, 0, 0));
        tree.subscribe(alice, "x/y", new SubscriptionOptions(0, false, true, 0, 0));

        Matches found = tree.match("a/b", null);

        assertThat(found.size()).isEqualTo(1);
        assertThat(found.retainAsPublished(0)).isFalse();
        assertThat(found.qos(0)).isEqualTo(1);
    }

    @Test
    void noLocalSkipsTheSubscribersOwnMessagesOnThatSubscriptionOnly() {
        tree.subscribe(alice, "chat/room", new SubscriptionOptions(2, true, false, 0, 7));

        assertThat(tree.match("chat/room", "alice").size()).isZero();
        assertThat(describe(tree.match("chat/room", "bob"))).containsExactly(Map.entry("alice", "qos 2 ids [7]"));
        assertThat(tree.match("chat/room", null).size()).isEqualTo(1); // a will or bridged message: no publisher

        tree.subscribe(alice, "chat/#", new SubscriptionOptions(1, false, false, 0, 8));

        assertThat(describe(tree.match("chat/room", "alice"))).containsExactly(Map.entry("alice", "qos 1 ids [8]"));
        assertThat(describe(tree.match("chat/room", "bob"))).containsExactly(Map.entry("alice", "qos 2 ids [7, 8]"));
    }

    @Test
    void reportsASubscriptionIdentifierSharedByTwoMatchingSubscriptionsOnce() {
        tree.subscribe(alice, "a/+", new SubscriptionOptions(0, false, false, 0, 4));
        tree.subscribe(alice, "a/b", new SubscriptionOptions(0, false, false, 0, 4));

        assertThat(tree.match("a/b", null).subscriptionIds(0)).containsExactly(4);
    }

    @Test
    void tellsSubscribersApartByIdentityNotByEquals() {
        record EqualByName(String clientId) implements Subscriber {
            @Override
            public boolean isOnline() {
                return true;
            }

            @Override
            public boolean offer(Delivery delivery) {
                return false;
            }
        }
        EqualByName first = new EqualByName("same");
        EqualByName second = new EqualByName("same");

        tree.subscribe(first, "a", SubscriptionOptions.of(0));
        assertThat(tree.subscribe(second, "a", SubscriptionOptions.of(1))).isEqualTo(SubscribeResult.CREATED);

        Matches found = tree.match("a", null);
        assertThat(found.size()).isEqualTo(2);
        assertThat(List.of(found.subscriber(0), found.subscriber(1))).containsExactlyInAnyOrder(first, second)
                .anySatisfy(s -> assertThat(s).isSameAs(first))
                .anySatisfy(s -> assertThat(s).isSameAs(second));
        assertThat(tree.unsubscribe(second, "a")).isTrue();
        assertThat(tree.match("a", null).subscriber(0)).isSameAs(first);
    }

    @Test
    void resubscribingReplacesTheOptionsAndSaysSubscriptionExisted() {
        assertThat(tree.subscribe(alice, "a/b", SubscriptionOptions.of(0))).isEqualTo(SubscribeResult.CREATED);
        assertThat(tree.subscribe(alice, "a/b", new SubscriptionOptions(2, false, true, 1, 9)))
                .isEqualTo(SubscribeResult.REPLACED)
                .satisfies(result -> assertThat(result.existed()).isTrue());

        assertThat(describe(tree.match("a/b", null))).containsExactly(Map.entry("alice", "qos 2 rap ids [9]"));
        assertThat(tree.subscriptionCount()).isEqualTo(1);
    }

    @Test
    void unsubscribeRemovesOnlyThatFilterAndSaysWhetherItExisted() {
        tree.subscribe(alice, "a/b", SubscriptionOptions.of(1));
        tree.subscribe(alice, "a/+", SubscriptionOptions.of(0));
        tree.subscribe(bob, "a/b", SubscriptionOptions.of(0));

        assertThat(tree.unsubscribe(alice, "a/b")).isTrue();
        assertThat(tree.unsubscribe(alice, "a/b")).isFalse();
        assertThat(tree.unsubscribe(alice, "never/subscribed")).isFalse();
        assertThat(tree.unsubscribe(alice, "$share/g/a/b")).isFalse();

        assertThat(describe(tree.match("a/b", null))).containsExactly(
                Map.entry("alice", "qos 0 ids []"), Map.entry("bob", "qos 0 ids []"));
        assertThat(tree.subscriptionCount()).isEqualTo(2);
    }

    @Test
    void unsubscribeAllRemovesEveryListedFilter() {
        tree.subscribe(alice, "a", SubscriptionOptions.of(0));
        tree.subscribe(alice, "b/#", SubscriptionOptions.of(0));
        tree.subscribe(alice, "$share/g/c", SubscriptionOptions.of(0));
        tree.subscribe(bob, "a", SubscriptionOptions.of(0));

        tree.unsubscribeAll(alice, List.of("a", "b/#", "$share/g/c"));

        assertThat(tree.match("a", null).subscriber(0)).isSameAs(bob);
        assertThat(tree.match("b/x", null).size()).isZero();
        assertThat(tree.match("c", null).size()).isZero();
        assertThat(tree.subscriptionCount()).isEqualTo(1);
        assertThat(tree.nodeCount()).isEqualTo(1);
    }

    @Test
    void handlesAFilterWithManySubscribersAndShrinksBackBelowTheThreshold() {
        List<FakeSession> fleet = fleet(TopicNode.LARGE * 4);
        for (FakeSession device : fleet) {
            tree.subscribe(device, "fleet/broadcast", new SubscriptionOptions(0, false, false, 0, 1));
            tree.subscribe(device, "fleet/+", new SubscriptionOptions(1, false, false, 0, 2));
        }
        assertThat(tree.subscribe(fleet.get(0), "fleet/broadcast", SubscriptionOptions.of(0)))
                .isEqualTo(SubscribeResult.REPLACED);

        Matches found = tree.match("fleet/broadcast", null);
        assertThat(found.size()).isEqualTo(fleet.size());
        List<Subscriber> seen = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
            seen.add(found.subscriber(i));
            assertThat(found.qos(i)).isEqualTo(1);
            assertThat(found.subscriptionIds(i)).containsExactly(
                    found.subscriber(i) == fleet.get(0) ? new int[] {2} : new int[] {1, 2});
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(fleet);

        for (FakeSession device : fleet.subList(3, fleet.size())) {
            assertThat(tree.unsubscribe(device, "fleet/broadcast")).isTrue();
            assertThat(tree.unsubscribe(device, "fleet/+")).isTrue();
        }
        assertThat(tree.match("fleet/broadcast", null).size()).isEqualTo(3);
        assertThat(tree.subscriptionCount()).isEqualTo(6);
    }

    @Test
    void aReusedMatchesHoldsOnlyTheLatestResult() {
        List<FakeSession> fleet = fleet(100);
        for (FakeSession device : fleet) {
            tree.subscribe(device, "big/#", SubscriptionOptions.of(0));
            tree.subscribe(device, "big/+", SubscriptionOptions.of(1));
        }
        tree.subscribe(alice, "small", new SubscriptionOptions(0, false, false, 0, 3));
        tree.subscribe(alice, "+", new SubscriptionOptions(0, false, false, 0, 4));
        Matches reused = new Matches();

        for (int round = 0; round < 3; round++) {
            tree.match("big/x", null, reused);
            assertThat(reused.size()).isEqualTo(100);
            tree.match("small", null, reused);
            assertThat(describe(reused)).containsExactly(Map.entry("alice", "qos 0 ids [3, 4]"));
            tree.match("nothing/here", null, reused);
            assertThat(reused.isEmpty()).isTrue();
        }
    }

    @Test
    void matchesTopicsWithTensOfThousandsOfLevelsWithoutRecursing() {
        int levels = 50_000;
        String topic = "x/".repeat(levels - 1) + "x";
        String filter = "+/".repeat(levels - 1) + "+";
        tree.subscribe(alice, filter, SubscriptionOptions.of(0));
        tree.subscribe(bob, "x/".repeat(levels / 2) + "#", SubscriptionOptions.of(0));

        assertThat(tree.match(topic, null).size()).isEqualTo(2);

        tree.unsubscribe(alice, filter);
        tree.unsubscribe(bob, "x/".repeat(levels / 2) + "#");
        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void prunesNodesLeftEmptyAndKeepsTheOnesStillInUse() {
        tree.subscribe(alice, "a/b", SubscriptionOptions.of(0));
        tree.subscribe(alice, "a/b/c/d", SubscriptionOptions.of(0));
        tree.subscribe(bob, "a/+/c", SubscriptionOptions.of(0));
        tree.subscribe(bob, "a/#", SubscriptionOptions.of(0));
        tree.subscribe(bob, "$share/g/a/b/c/d", SubscriptionOptions.of(0));
        assertThat(tree.nodeCount()).isEqualTo(7); // a, a/b, a/b/c, a/b/c/d, a/+, a/+/c, a/#

        tree.unsubscribe(alice, "a/b/c/d");
        assertThat(tree.nodeCount()).isEqualTo(7); // a/b/c/d still holds the share group
        tree.unsubscribe(bob, "$share/g/a/b/c/d");
        assertThat(tree.nodeCount()).isEqualTo(5);
        tree.unsubscribe(bob, "a/#");
        tree.unsubscribe(bob, "a/+/c");
        assertThat(tree.nodeCount()).isEqualTo(2);
        assertThat(tree.match("a/b", null).subscriber(0)).isSameAs(alice);
        tree.unsubscribe(alice, "a/b");
        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void unsubscribingAFilterNobodyHasCreatesNoNodes() {
        tree.unsubscribe(alice, "a/b/c");
        tree.unsubscribe(alice, "$share/g/a/b/c");
        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void leavesNoNodesBehindAfterAMillionUniqueFiltersComeAndGo() {
        int count = 1_000_000;
        for (int i = 0; i < count; i++) {
            tree.subscribe(i % 2 == 0 ? alice : bob, filter(i), SubscriptionOptions.of(i % 3));
        }
        assertThat(tree.subscriptionCount()).isEqualTo(count);
        assertThat(tree.nodeCount()).isGreaterThan(count);
        assertThat(tree.match("devices/12/12/state", null).size()).isEqualTo(1);
        assertThat(tree.match("devices/any/14/x/y", null).size()).isEqualTo(1);

        int removed = 0;
        for (int i = 0; i < count; i++) {
            removed += tree.unsubscribe(i % 2 == 0 ? alice : bob, filter(i)) ? 1 : 0;
        }
        assertThat(removed).isEqualTo(count);

        assertThat(tree.subscriptionCount()).isZero();
        assertThat(tree.nodeCount()).isZero();
    }

    private static String filter(int i) {
        return switch (i % 4) {
            case 0, 1 -> "devices/" + (i % 1000) + "/" + i + "/state";
            case 2 -> "devices/+/" + i + "/#";
            default -> "$share/g" + (i % 7) + "/fleet/" + i;
        };
    }

    @Test
    void rejectsOptionsOutsideTheirRanges() {
        assertThatThrownBy(() -> SubscriptionOptions.of(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SubscriptionOptions(0, false, false, 3, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SubscriptionOptions(0, false, false, 0, 268_435_456))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static List<FakeSession> fleet(int size) {
        List<FakeSession> fleet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            fleet.add(new FakeSession("device-" + i));
        }
        return fleet;
    }

    /** Each delivery as "qos N [rap] ids [...]" by client id, sorted by client id. */
    static Map<String, String> describe(Matches found) {
        Map<String, String> byClient = new TreeMap<>();
        for (int i = 0; i < found.size(); i++) {
            String text = "qos " + found.qos(i) + (found.retainAsPublished(i) ? " rap" : "")
                    + (found.shared(i) ? " shared" : "")
                    + " ids " + Arrays.toString(found.subscriptionIds(i));
            String previous = byClient.put(found.subscriber(i).clientId(), text);
            assertThat(previous).as("%s delivered twice", found.subscriber(i)).isNull();
        }
        return byClient;
    }
}
