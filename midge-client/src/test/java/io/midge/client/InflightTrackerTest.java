package io.midge.client;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InflightTrackerTest {
    @Test
    void identifiersAreUniqueAmongThoseInUseUpToAll65535() {
        InflightTracker<String> tracker = new InflightTracker<>();
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 65535; i++) {
            int id = tracker.add("e" + i);
            assertThat(id).isBetween(1, 65535);
            assertThat(ids.add(id)).isTrue();
        }
        assertThat(tracker.full()).isTrue();
        assertThatThrownBy(() -> tracker.add("one too many")).isInstanceOf(IllegalStateException.class);

        assertThat(tracker.remove(777)).isNotNull();
        assertThat(tracker.add("reused")).isEqualTo(777);
    }

    @Test
    void aFreedIdentifierIsNotReusedAtOnceAndEntriesKeepTheirOrder() {
        InflightTracker<String> tracker = new InflightTracker<>();
        int a = tracker.add("a");
        int b = tracker.add("b");
        tracker.remove(a);
        int c = tracker.add("c");
        assertThat(c).isNotEqualTo(a).isNotEqualTo(b);
        assertThat(tracker.get(b)).isEqualTo("b");
        assertThat(tracker.get(60000)).isNull();
        assertThat(tracker.entries()).extracting(InflightTracker.Entry::value).containsExactly("b", "c");
        assertThat(tracker.removeIf(v -> v.equals("b"))).isEqualTo(List.of("b"));
        assertThat(tracker.size()).isEqualTo(1);
    }
}
