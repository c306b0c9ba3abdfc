package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.routing.SubscriptionOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The session's subscriptions: a map in the order made, small (an array of pairs) or large (a LinkedHashMap). */
class SessionSubscriptionsTest {
    @Test
    @DisplayName("Below and past the small size it behaves as a LinkedHashMap: order made, options replaced in place")
    void likeALinkedHashMap() {
        SessionSubscriptions subscriptions = new SessionSubscriptions();
        Map<String, SubscriptionOptions> expected = new LinkedHashMap<>();
        List<String> filters = new ArrayList<>();
        for (int i = 0; i < 2 * SessionSubscriptions.SMALL; i++) {
            filters.add("f/" + i);
        }
        for (String f : filters) {
            subscriptions.add(f, SubscriptionOptions.of(0));
            expected.put(f, SubscriptionOptions.of(0));
            subscriptions.add("f/0", SubscriptionOptions.of(2)); // replaced, keeps its place
            expected.put("f/0", SubscriptionOptions.of(2));
            assertThat(subscriptions).containsExactlyEntriesOf(expected);
            assertThat(subscriptions.get(f)).isEqualTo(expected.get(f));
        }
        for (String f : List.of("f/3", "f/0", "f/15", "nothing")) {
            assertThat(subscriptions.delete(f)).isEqualTo(expected.remove(f) != null);
            assertThat(subscriptions).containsExactlyEntriesOf(expected);
        }
    }

    @Test
    @DisplayName("A small one deletes from any place, and is read-only to everyone but the session")
    void smallDeleteAndReadOnly() {
        SessionSubscriptions subscriptions = new SessionSubscriptions();
        subscriptions.add("a", SubscriptionOptions.of(0));
        subscriptions.add("b", SubscriptionOptions.of(1));
        subscriptions.add("c", SubscriptionOptions.of(2));
        assertThat(subscriptions.delete("b")).isTrue();
        assertThat(subscriptions.keySet()).containsExactly("a", "c");
        assertThat(subscriptions.containsKey("b")).isFalse();
        assertThatThrownBy(() -> subscriptions.put("d", SubscriptionOptions.of(0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> subscriptions.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(subscriptions).hasSize(2);
    }
}
