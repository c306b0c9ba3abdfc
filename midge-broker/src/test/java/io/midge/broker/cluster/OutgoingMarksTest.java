package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the old owner of a moving session keeps of the other nodes' marks ({@link HandoverGiving.Outgoing}). */
class OutgoingMarksTest {
    @Test
    @DisplayName("A node that marks twice (asked twice) is cut off at its first mark, the one the tail is cut at: its "
            + "second mark's later cut-off would have the new node drop, as routed before the move, the messages that "
            + "came between the two and were left out of the tail (MQTT-4.3.2: an acknowledged QoS 1 message lost)")
    void theFirstMarkOfANodeCounts() {
        HandoverGiving.Outgoing moving = new HandoverGiving.Outgoing(null, "node1", 42, ConcurrentHashMap.newKeySet(),
                List.of("win/#"), ConcurrentHashMap.newKeySet(), new CompletableFuture<>(), new ConcurrentHashMap<>(),
                new CompletableFuture<>(), ConcurrentHashMap.newKeySet());
        moving.noteMark(NodeLink.LINK_PREFIX + "node3", 496);
        moving.noteMark(NodeLink.LINK_PREFIX + "node1", 20);
        moving.noteMark(NodeLink.LINK_PREFIX + "node3", 499);
        assertThat(moving.routedBefore()).isEqualTo(Map.of(NodeLink.LINK_PREFIX + "node3", 496L,
                NodeLink.LINK_PREFIX + "node1", 20L));
    }
}
