package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which node runs the cluster's bridges ({@link BridgeHost}). */
class BridgeHostTest {

    @Test
    @DisplayName("The oldest member runs the bridges; every node, seeing the same member list, decides the same")
    void oldestMember() {
        assertThat(BridgeHost.of(List.of("b", "a", "c"), 2)).isEqualTo("b");
    }

    @Test
    @DisplayName("A node that joins never takes the bridges: it is the youngest, last in the list")
    void joinerDoesNotTakeOver() {
        assertThat(BridgeHost.of(List.of("b", "a"), 2)).isEqualTo("b");
        assertThat(BridgeHost.of(List.of("b", "a", "c"), 2)).isEqualTo("b");
    }

    @Test
    @DisplayName("When the oldest leaves, the next oldest takes the bridges over")
    void nextOldestTakesOver() {
        assertThat(BridgeHost.of(List.of("a", "c"), 2)).isEqualTo("a");
    }

    @Test
    @DisplayName("A node that sees fewer than a majority runs no bridge (it takes no publishes either)")
    void noneWithoutMajority() {
        assertThat(BridgeHost.of(List.of("c"), 2)).isNull();
        assertThat(BridgeHost.of(List.of(), 1)).isNull();
        assertThat(BridgeHost.of(List.of("a"), 1)).isEqualTo("a");
    }
}
