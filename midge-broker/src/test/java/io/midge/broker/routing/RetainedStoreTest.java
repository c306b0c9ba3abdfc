package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RetainedStoreTest {
    private final RetainedStore<String> store = new RetainedStore<>();

    @ParameterizedTest(name = "{0} against {1}: {2}")
    @MethodSource("io.midge.broker.routing.MatchingTable#rows")
    void findsRetainedMessagesByTheSameRulesAsSubscriptions(String filter, String topic, boolean matches) {
        store.put(topic, "message of " + topic);

        assertThat(match(filter)).isEqualTo(matches ? List.of("message of " + topic) : List.of());
    }

    @Test
    void findsEveryMatchingTopicAmongMany() {
        for (String topic : List.of("sport", "sport/", "sport/tennis", "sport/tennis/player1",
                "sport/tennis/player1/ranking", "sport/golf/player1", "sports", "/sport", "$SYS/sport",
                "$SYS", "weather/oslo", "a//b", "/", "")) {
            store.put(topic, topic);
        }

        assertThat(match("sport/#")).containsExactlyInAnyOrder("sport", "sport/", "sport/tennis",
                "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/golf/player1");
        assertThat(match("sport/+")).containsExactlyInAnyOrder("sport/", "sport/tennis");
        assertThat(match("sport/+/player1")).containsExactlyInAnyOrder("sport/tennis/player1", "sport/golf/player1");
        assertThat(match("+")).containsExactlyInAnyOrder("sport", "sports", "");
        assertThat(match("+/sport")).containsExactlyInAnyOrder("/sport");
        assertThat(match("+/+")).containsExactlyInAnyOrder("sport/", "sport/tennis", "/sport", "weather/oslo", "/");
        assertThat(match("#")).hasSize(12).doesNotContain("$SYS", "$SYS/sport");
        assertThat(match("$SYS/#")).containsExactlyInAnyOrder("$SYS", "$SYS/sport");
        assertThat(match("$SYS/+")).containsExactlyInAnyOrder("$SYS/sport");
        assertThat(match("a/+/b")).containsExactly("a//b");
        assertThat(match("nothing/#")).isEmpty();
    }

    @Test
    void putReplacesGetReadsAndRemoveReturnsTheRemovedMessage() {
        store.put("a/b", "first");
        store.put("a/b", "second");
        store.put("a", "parent");

        assertThat(store.get("a/b")).isEqualTo("second");
        assertThat(store.get("a")).isEqualTo("parent");
        assertThat(store.get("a/b/c")).isNull();
        assertThat(store.get("a/")).isNull();
        assertThat(store.size()).isEqualTo(2);

        assertThat(store.remove("a/b")).isEqualTo("second");
        assertThat(store.remove("a/b")).isNull();
        assertThat(store.remove("x/y")).isNull();
        assertThat(store.get("a/b")).isNull();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void forEachGivesEveryTopicSpelledAsPublished() {
        List<String> topics = List.of("a", "a/b", "/lead", "trail/", "a//b", "/", "$SYS/x", "日本/東京");
        for (String topic : topics) {
            store.put(topic, "m:" + topic);
        }

        Map<String, String> seen = new HashMap<>();
        store.forEach((topic, message) -> assertThat(seen.put(topic, message)).isNull());

        assertThat(seen).hasSize(topics.size());
        topics.forEach(topic -> assertThat(seen).containsEntry(topic, "m:" + topic));
    }

    @Test
    void prunesTheNodesOfRemovedTopicsAndKeepsTheOnesStillInUse() {
        store.put("a/b/c/d", "deep");
        store.put("a/b", "shallow");
        assertThat(store.nodeCount()).isEqualTo(4);

        store.remove("a/b/c/d");
        assertThat(store.nodeCount()).isEqualTo(2);
        assertThat(match("a/#")).containsExactly("shallow");

        store.remove("a/b");
        assertThat(store.nodeCount()).isZero();
        store.remove("never/there");
        assertThat(store.nodeCount()).isZero();
    }

    @Test
    void leavesNoNodesBehindAfterManyUniqueTopicsComeAndGo() {
        int count = 300_000;
        for (int i = 0; i < count; i++) {
            store.put("meters/" + (i % 500) + "/" + i + "/kwh", "m" + i);
        }
        assertThat(store.size()).isEqualTo(count);
        List<String> found = new ArrayList<>();
        store.match("meters/7/+/kwh", found::add);
        assertThat(found).hasSize(count / 500);

        int removed = 0;
        for (int i = 0; i < count; i++) {
            removed += ("m" + i).equals(store.remove("meters/" + (i % 500) + "/" + i + "/kwh")) ? 1 : 0;
        }
        assertThat(removed).isEqualTo(count);

        assertThat(store.size()).isZero();
        assertThat(store.nodeCount()).isZero();
    }

    @Test
    void handlesTopicsWithTensOfThousandsOfLevels() {
        String deep = "x/".repeat(49_999) + "x";
        store.put(deep, deep);

        assertThat(match("#")).containsExactly(deep);
        assertThat(match("+/".repeat(49_999) + "+")).containsExactly(deep);
        // The management API's ordered walk too: no recursion to overflow, the whole topic handed over.
        assertThat(walk("#", null, Integer.MAX_VALUE)).containsExactly(deep);
        assertThat(walk("x/#", "x", Integer.MAX_VALUE)).containsExactly(deep);
        assertThat(walk("x/#", deep, Integer.MAX_VALUE)).isEmpty();
        assertThat(store.remove(deep)).isEqualTo(deep);
        assertThat(store.nodeCount()).isZero();
    }

    @Test
    void walksMatchingTopicsInTopicOrderFromAnyCursor() {
        List<String> topics = List.of("sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/golf/player1",
                "sport/golf", "sports", "/sport", "$SYS/sport", "weather/oslo", "a//b", "a/b", "a-b", "a");
        for (String topic : topics) {
            store.put(topic, topic);
        }
        for (String filter : List.of("#", "sport/#", "sport/+", "+/+", "+", "a/#", "$SYS/#", "nothing/#")) {
            List<String> all = walk(filter, null, Integer.MAX_VALUE);
            List<String> expected = new ArrayList<>(match(filter));
            expected.sort(RetainedStoreTest::byLevels);
            assertThat(all).as(filter).isEqualTo(expected);
            for (int i = 0; i < all.size(); i++) {
                // From every cursor, the rest; a page of two stops there.
                assertThat(walk(filter, all.get(i), Integer.MAX_VALUE)).as(filter + " after " + all.get(i))
                        .isEqualTo(all.subList(i + 1, all.size()));
                assertThat(walk(filter, all.get(i), 2)).hasSize(Math.min(2, all.size() - i - 1));
            }
        }
        assertThat(walk("#", null, Integer.MAX_VALUE)).startsWith("/sport", "a", "a//b", "a/b", "a-b");
    }

    private List<String> walk(String filter, String after, int limit) {
        List<String> seen = new ArrayList<>();
        store.walkInOrder(filter, after, (topic, message) -> {
            assertThat(message).isEqualTo(topic);
            seen.add(topic);
            return seen.size() < limit;
        });
        return seen;
    }

    /** Topic order: level by level, each level's names in String order, a topic before those below it. */
    private static int byLevels(String a, String b) {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private List<String> match(String filter) {
        List<String> found = new ArrayList<>();
        store.match(filter, found::add);
        return found;
    }
}
