package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which node runs a bridge of the cluster ({@link BridgeHost}). */
class BridgeHostTest {
    private static final Map<String, Set<String>> ALL_HAVE_IT = Map.of("a", Set.of("up"), "b", Set.of("up"),
            "c", Set.of("up", "other"));

    @Test
    @DisplayName("The oldest member runs the bridge; every node, seeing the same member list, decides the same")
    void oldestMember() {
        assertThat(BridgeHost.of("up", List.of("b", "a", "c"), 2, ALL_HAVE_IT::get)).isEqualTo("b");
    }

    @Test
    @DisplayName("A node that joins never takes the bridge: it is the youngest, last in the list")
    void joinerDoesNotTakeOver() {
        assertThat(BridgeHost.of("up", List.of("b", "a"), 2, ALL_HAVE_IT::get)).isEqualTo("b");
        assertThat(BridgeHost.of("up", List.of("b", "a", "c"), 2, ALL_HAVE_IT::get)).isEqualTo("b");
    }

    @Test
    @DisplayName("When the node that runs it leaves, the next oldest takes the bridge over")
    void nextOldestTakesOver() {
        assertThat(BridgeHost.of("up", List.of("a", "c"), 2, ALL_HAVE_IT::get)).isEqualTo("a");
    }

    @Test
    @DisplayName("Only a node that has the bridge configured runs it: the oldest of those")
    void onlyNodesThatHaveIt() {
        assertThat(BridgeHost.of("other", List.of("b", "a", "c"), 2, ALL_HAVE_IT::get)).isEqualTo("c");
        assertThat(BridgeHost.of("gone", List.of("b", "a", "c"), 2, ALL_HAVE_IT::get)).isNull();
    }

    @Test
    @DisplayName("While an older node has not said which bridges it has (starting, or not replicated yet), nobody "
            + "younger runs it: two nodes never both do")
    void olderNodeUndecided() {
        Map<String, Set<String>> offers = Map.of("a", Set.of("up"));
        assertThat(BridgeHost.of("up", List.of("b", "a"), 2, offers::get)).isNull();
        assertThat(BridgeHost.of("up", List.of("a", "b"), 2, offers::get)).isEqualTo("a");
    }

    @Test
    @DisplayName("A node that sees fewer than a majority runs no bridge (it takes no publishes either)")
    void noneWithoutMajority() {
        assertThat(BridgeHost.of("up", List.of("c"), 2, ALL_HAVE_IT::get)).isNull();
        assertThat(BridgeHost.of("up", List.of(), 1, ALL_HAVE_IT::get)).isNull();
        assertThat(BridgeHost.of("up", List.of("a"), 1, ALL_HAVE_IT::get)).isEqualTo("a");
    }

    @Test
    @DisplayName("A node's entry lists its bridges' names, '/'-separated (a name holds no '/')")
    void entries() {
        assertThat(BridgeHost.entry(List.of("z", "a"))).isEqualTo("a/z");
        assertThat(BridgeHost.names("a/z")).containsExactlyInAnyOrder("a", "z");
        assertThat(BridgeHost.names("")).isEmpty();
        assertThat(BridgeHost.names(null)).isNull();
    }
}
