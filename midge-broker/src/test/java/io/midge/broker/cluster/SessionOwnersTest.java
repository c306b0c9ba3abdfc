package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SessionOwnersTest {
    private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();
    private final SessionOwners a = new SessionOwners(map, "node-a");
    private final SessionOwners b = new SessionOwners(map, "node b:7701");
    private final SessionOwners c = new SessionOwners(map, "node-c");

    @Test
    @DisplayName("An owner reads back as written, whatever its node identifier holds")
    void encodes() {
        SessionOwner o = new SessionOwner("10.0.0.1:5701 the first", 42, true);
        assertThat(SessionOwner.decode(o.encode())).isEqualTo(o);
        assertThat(SessionOwner.decode(new SessionOwner("x", 1, false).encode()).persistent()).isFalse();
        assertThat(SessionOwner.decode(null)).isNull();
    }

    @Test
    @DisplayName("A free session is claimed with epoch 1, once: a second claim of a free entry loses")
    void claimsFree() {
        assertThat(a.claimFrom("c1", null, true)).isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.claimFrom("c1", null, true)).isNull();
        assertThat(b.get("c1").node()).isEqualTo("node-a");
    }

    @Test
    @DisplayName("Two nodes taking the same session from its owner: exactly one wins, with the next epoch (fencing "
            + "token); the loser's claim against the old entry fails")
    void oneOfTwoWins() {
        SessionOwner first = a.claimFrom("c1", null, true);
        SessionOwner won = b.claimFrom("c1", first, true);
        assertThat(won).isEqualTo(new SessionOwner("node b:7701", 2, true));
        assertThat(c.claimFrom("c1", first, true)).isNull();
        assertThat(c.get("c1")).isEqualTo(won);
        assertThat(c.claimFrom("c1", won, false).epoch()).isEqualTo(3);
    }

    @Test
    @DisplayName("Claim if free or own: a free entry is claimed, an own one kept (its persistence flag updated, "
            + "same epoch), another node's left alone and answered")
    void claimIfFreeOrMine() throws Exception {
        assertThat(a.claimIfFreeOrMine("c1", false).toCompletableFuture().get()).isNull();
        assertThat(a.get("c1")).isEqualTo(new SessionOwner("node-a", 1, false));
        assertThat(a.claimIfFreeOrMine("c1", true).toCompletableFuture().get()).isNull();
        assertThat(a.get("c1")).isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.claimIfFreeOrMine("c1", true).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.get("c1").node()).isEqualTo("node-a");
        SessionOwners.ClaimIfFreeOrMine processor = new SessionOwners.ClaimIfFreeOrMine("node-c", true);
        java.util.Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>("c2", null);
        assertThat(processor.process(entry)).isNull();
        assertThat(SessionOwner.decode(entry.getValue())).isEqualTo(new SessionOwner("node-c", 1, true));
        assertThat(new SessionOwners.ClaimIfFreeOrMine("node-a", true).process(entry)).isEqualTo(entry.getValue());
    }

    @Test
    @DisplayName("A node lets go of its own entry only: an old owner's release leaves the new owner's entry")
    void releasesOwnOnly() {
        SessionOwner first = a.claimFrom("c1", null, true);
        b.claimFrom("c1", first, true);
        a.release("c1");
        assertThat(map).containsKey("c1");
        b.release("c1");
        assertThat(map).doesNotContainKey("c1");
    }

    @Test
    @DisplayName("After the owner dropped the session (entry gone), the node that asked for it claims the free entry")
    void claimsAfterTheOwnerLetGo() {
        SessionOwner first = a.claimFrom("c1", null, false);
        a.release("c1");
        assertThat(b.claimAfter("c1", first, true)).isEqualTo(new SessionOwner("node b:7701", 1, true));
        assertThat(c.claimAfter("c1", first, true)).as("the entry is b's now, not free").isNull();
    }
}
