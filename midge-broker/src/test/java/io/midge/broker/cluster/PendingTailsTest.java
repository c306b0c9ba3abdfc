package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The old node's copy of a move's tail: sent again until the new node says it stored it, and no longer. */
class PendingTailsTest {
    private static final byte[] TAIL = {4, 1, 2, 3};
    private static final SessionOwner ON_B = new SessionOwner("b", 7, true);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    /** The registry as the test sets it: who owns each client's session. */
    private final Map<String, SessionOwner> registry = new HashMap<>();
    /** Each send: the node it went to. */
    private final List<String> sent = new ArrayList<>();
    private final PendingTails tails = new PendingTails(id -> CompletableFuture.completedFuture(registry.get(id)),
            (node, message, deadline) -> {
                assertThat(message).isSameAs(TAIL);
                sent.add(node);
            }, clock::get);

    private void pass(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        tails.tick();
    }

    @Test
    @DisplayName("A tail goes at once and again at every tick and whenever the link to its node comes up, until that "
            + "node says it stored it; then it goes no more")
    void sentAgainUntilAcknowledged() {
        registry.put("mover", ON_B);
        tails.hold(ON_B, "mover", 11, TAIL);
        assertThat(sent).containsExactly("b");

        pass(PendingTails.RESEND_MILLIS);
        pass(PendingTails.RESEND_MILLIS);
        assertThat(sent).containsExactly("b", "b", "b");
        tails.linkUp("c");
        tails.linkUp("b"); // node b restarted: its link comes back
        assertThat(sent).hasSize(4);

        tails.stored("c", 11); // another node's word says nothing of b's tail
        tails.stored("b", 12);
        assertThat(tails.holds("b", 11)).isTrue();
        tails.stored("b", 11);
        assertThat(tails.holds("b", 11)).isFalse();
        pass(PendingTails.RESEND_MILLIS);
        tails.linkUp("b");
        assertThat(sent).hasSize(4);
    }

    @Test
    @DisplayName("A tail is dropped, not sent, once the registry says its session moved on (another node, or b again "
            + "under a later epoch: another copy, which a late tail must not reach) or ended: nobody waits for it")
    void droppedWhenTheSessionMovedOnOrEnded() {
        registry.put("one", new SessionOwner("c", 8, true));
        registry.put("two", new SessionOwner("b", 9, true));
        tails.hold(ON_B, "one", 1, TAIL);
        tails.hold(ON_B, "two", 2, TAIL);
        tails.hold(ON_B, "three", 3, TAIL); // no entry: the session ended
        sent.clear();

        pass(PendingTails.RESEND_MILLIS);
        assertThat(tails.holds("b", 1)).isFalse();
        assertThat(tails.holds("b", 2)).isFalse();
        assertThat(tails.holds("b", 3)).isFalse();
        assertThat(sent).isEmpty();

        tails.hold(ON_B, "two", 4, TAIL); // its link comes back after the session moved on and came back
        sent.clear();
        tails.linkUp("b");
        assertThat(tails.holds("b", 4)).isFalse();
        assertThat(sent).isEmpty();
    }

    @Test
    @DisplayName("A tail its node never acknowledges is given up after the bound, with a WARN, and not sent again")
    void givenUpAfterTheBound() {
        registry.put("mover", ON_B);
        tails.hold(ON_B, "mover", 11, TAIL);
        pass(PendingTails.GIVE_UP_MILLIS - PendingTails.RESEND_MILLIS);
        assertThat(tails.holds("b", 11)).isTrue();
        int before = sent.size();

        pass(PendingTails.RESEND_MILLIS + 1);
        assertThat(tails.holds("b", 11)).isFalse();
        assertThat(sent).hasSize(before);
        tails.linkUp("b");
        assertThat(sent).hasSize(before);
    }
}
