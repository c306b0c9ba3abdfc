package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The registry's sessions in client-identifier order ({@link SortedView}), which the management API pages through:
 * exact whenever it is read, though it is brought up to date only then.
 */
class SortedViewTest {
    private final Map<String, String> map = new ConcurrentHashMap<>();
    private final SortedView<String> view = new SortedView<>(map);

    private void put(String key, String value) {
        map.put(key, value);
        view.changed(key);
    }

    private void remove(String key) {
        map.remove(key);
        view.changed(key);
    }

    @Test
    @DisplayName("Entries added, replaced and removed between two reads are seen, in key order, at the next read")
    void upToDateWhenRead() {
        put("c", "1");
        put("a", "1");
        put("b", "1");
        assertThat(view.sorted()).containsExactly(Map.entry("a", "1"), Map.entry("b", "1"), Map.entry("c", "1"));
        put("b", "2"); // a takeover with clean start: a new session under the same identifier
        remove("a");
        put("d", "1");
        remove("d"); // came and went between two reads
        put("a0", "1");
        assertThat(view.sorted()).containsExactly(Map.entry("a0", "1"), Map.entry("b", "2"), Map.entry("c", "1"));
        assertThat(view.sorted().tailMap("b", false).keySet()).containsExactly("c");
    }

    @Test
    @DisplayName("More changes between two reads than are kept: the next read sorts the whole map afresh, exactly")
    void tooManyChangesResort() {
        put("keep", "1");
        put("gone", "1");
        assertThat(view.sorted()).containsOnlyKeys("keep", "gone");
        remove("gone");
        for (int i = 0; i < SortedView.MAX_CHANGES + 10; i++) {
            put("k" + i, "v");
            if (i % 2 == 0) {
                remove("k" + i);
            }
        }
        NavigableAssert.check(view, map);
        put("after", "1"); // a change after the re-sort is kept as usual
        NavigableAssert.check(view, map);
        assertThat(view.sorted()).containsKey("after").doesNotContainKey("gone");
    }

    /** The view holds exactly the map's entries, in order. */
    private static final class NavigableAssert {
        static void check(SortedView<String> view, Map<String, String> map) {
            assertThat(view.sorted()).containsExactlyInAnyOrderEntriesOf(map);
            assertThat(new java.util.ArrayList<>(view.sorted().keySet())).isSorted();
        }
    }
}
