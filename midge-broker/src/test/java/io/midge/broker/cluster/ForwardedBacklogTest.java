package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The wait of a bridge's restarted node for what the other nodes queued for it ({@link ForwardedBacklog}), in-process:
 * the asks it sends, the marks it waits for, and the nodes it does not wait for. The multi-process case is
 * {@code ClusterTlsBridgeTest#gapReachesRemoteAfterRestart}.
 */
class ForwardedBacklogTest {
    private record Sent(String node, HandoverCodec.Frame frame) {
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** Nodes the sender has no link to: the send fails. */
    private final List<String> unreachable = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> routedHere = new ConcurrentHashMap<>();
    private final AtomicInteger passes = new AtomicInteger();
    private final ForwardedBacklog backlog = new ForwardedBacklog("r", (node, message, deadline) -> {
        if (unreachable.contains(node)) {
            return CompletableFuture.failedFuture(new IllegalStateException("no link to node '" + node + "'"));
        }
        sent.add(new Sent(node, HandoverCodec.read(message)));
        return CompletableFuture.completedFuture(null);
    }, () -> {
        passes.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }, (to, filters) -> {
        routedHere.put(to, filters);
        return CompletableFuture.completedFuture(null);
    });

    private static HandoverCodec.Frame mark(long requestId, String clientId) {
        return HandoverCodec.read(HandoverCodec.mark(requestId, clientId, 0));
    }

    @Test
    @DisplayName("Each other node is asked to route the queue's filters to the bridge's host and to mark its queue "
            + "to this node; the wait ends with the last mark, after the loops and the store passed")
    void waitsForEveryMark() {
        CompletableFuture<Void> arrived = backlog.arrived(List.of("h", "r", "n"), "h", List.of("b/#"), "test");

        assertThat(sent).extracting(Sent::node).containsExactlyInAnyOrder("h", "n");
        for (Sent s : sent) {
            assertThat(s.frame().kind()).isEqualTo(HandoverCodec.ROUTE);
            assertThat(s.frame().clientId()).isEqualTo(ForwardedBacklog.CLIENT_ID);
            assertThat(s.frame().reason()).as("the node to route to").isEqualTo("h");
            assertThat(s.frame().filters()).containsExactly("b/#");
        }
        assertThat(routedHere).as("this node's own queue to the host").isEqualTo(Map.of("h", List.of("b/#")));
        long id = sent.get(0).frame().requestId();

        backlog.onMark("h", mark(id, ForwardedBacklog.CLIENT_ID));
        backlog.onMark("n", mark(id + 1, ForwardedBacklog.CLIENT_ID)); // another ask's
        assertThat(arrived).isNotDone();
        assertThat(passes).hasValue(0);

        backlog.onMark("n", mark(id, ForwardedBacklog.CLIENT_ID));
        assertThat(arrived).isCompleted();
        assertThat(passes).hasValue(1);
    }

    @Test
    @DisplayName("A node this one has no link to is not waited for (logged); nor is anything routed when this node "
            + "is the host named")
    void noLinkNotWaitedFor() {
        unreachable.add("n");
        CompletableFuture<Void> arrived = backlog.arrived(List.of("h", "n"), "r", List.of("b/#"), "test");

        assertThat(sent).extracting(Sent::node).containsExactly("h");
        assertThat(sent.get(0).frame().filters()).isEmpty();
        assertThat(routedHere).isEmpty();
        assertThat(arrived).isNotDone();
        backlog.onMark("h", mark(sent.get(0).frame().requestId(), ForwardedBacklog.CLIENT_ID));
        assertThat(arrived).isCompleted();
    }

    @Test
    @DisplayName("Alone (no other member), the wait ends at once; a session move's marks are not this wait's")
    void aloneAndMoveMarks() {
        assertThat(backlog.arrived(List.of("r"), "r", List.of(), "test")).isCompleted();
        assertThat(sent).isEmpty();
        assertThat(ForwardedBacklog.isOurs(mark(1, "client-1"))).isFalse();
        assertThat(ForwardedBacklog.isOurs(mark(1, ForwardedBacklog.CLIENT_ID))).isTrue();
    }
}
