package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SessionOwnersTest {
    private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();
    /** The nodes' clocks (milliseconds); 0 keeps the epochs small: 1, then one more per move. */
    private final AtomicLong now = new AtomicLong();
    private final SessionOwners a = new SessionOwners(map, "node-a", now::get);
    private final SessionOwners b = new SessionOwners(map, "node b:7701", now::get);
    private final SessionOwners c = new SessionOwners(map, "node-c", now::get);

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
        assertThat(a.claimFrom("c1", null, true).toCompletableFuture().join())
                .isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.claimFrom("c1", null, true).toCompletableFuture().join()).isNull();
        assertThat(b.getAsync("c1").toCompletableFuture().join().node()).isEqualTo("node-a");
    }

    @Test
    @DisplayName("Two nodes taking the same session from its owner: exactly one wins, with the next epoch (fencing "
            + "token); the loser's claim against the old entry fails")
    void oneOfTwoWins() {
        SessionOwner first = a.claimFrom("c1", null, true).toCompletableFuture().join();
        SessionOwner won = b.claimFrom("c1", first, true).toCompletableFuture().join();
        assertThat(won).isEqualTo(new SessionOwner("node b:7701", 2, true));
        assertThat(c.claimFrom("c1", first, true).toCompletableFuture().join()).isNull();
        assertThat(c.getAsync("c1").toCompletableFuture().join()).isEqualTo(won);
        assertThat(c.claimFrom("c1", won, false).toCompletableFuture().join().epoch()).isEqualTo(3);
    }

    @Test
    @DisplayName("Claim if free or own: a free entry is claimed, an own one kept (its persistence flag updated, "
            + "same epoch), another node's left alone; each answers the entry as it is then")
    void claimIfFreeOrMine() throws Exception {
        assertThat(a.claimIfFreeOrMine("c1", false).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node-a", 1, false));
        assertThat(a.claimIfFreeOrMine("c1", true).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(a.getAsync("c1").toCompletableFuture().join()).isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.claimIfFreeOrMine("c1", true).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node-a", 1, true));
        assertThat(b.getAsync("c1").toCompletableFuture().join().node()).isEqualTo("node-a");
        SessionOwners.ClaimIfFreeOrMine processor = new SessionOwners.ClaimIfFreeOrMine("node-c", true, 7);
        java.util.Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>("c2", null);
        assertThat(SessionOwner.decode(processor.process(entry))).isEqualTo(new SessionOwner("node-c", 7, true));
        assertThat(SessionOwner.decode(entry.getValue())).isEqualTo(new SessionOwner("node-c", 7, true));
        assertThat(new SessionOwners.ClaimIfFreeOrMine("node-a", true, 9).process(entry)).isEqualTo(entry.getValue());
    }

    @Test
    @DisplayName("Epochs follow the clock and every move raises them: a claim with no previous owner takes the time, "
            + "a move one above the previous epoch even when a node's clock is behind")
    void epochsFollowTheClock() {
        now.set(1_000);
        SessionOwner first = a.claimFrom("c1", null, true).toCompletableFuture().join();
        assertThat(first.epoch()).isEqualTo(1_000);
        now.set(900); // b's clock behind a's
        assertThat(b.claimFrom("c1", first, true).toCompletableFuture().join().epoch()).isEqualTo(1_001);
        b.release("c1");
        now.set(5_000);
        assertThat(c.claimFrom("c1", null, true).toCompletableFuture().join().epoch())
                .as("after the session ended: the time again")
                .isEqualTo(5_000);
    }

    @Test
    @DisplayName("Reclaim after a restart of the whole cluster: the highest stored epoch wins, whichever node comes "
            + "first; the loser is told the winner (its copy is stale), the holder keeps a tie")
    void reclaimHighestEpochWins() throws Exception {
        // Node a lost the session in a move (epoch 5 -> 6) but kept its copy on disk; it starts first.
        assertThat(a.reclaim("c1", 5, true).toCompletableFuture().get()).isEqualTo(new SessionOwner("node-a", 5, true));
        assertThat(b.reclaim("c1", 6, true).toCompletableFuture().get())
                .as("b's newer copy takes the entry").isEqualTo(new SessionOwner("node b:7701", 6, true));
        assertThat(a.getAsync("c1").toCompletableFuture().join().node()).as("so a's fencing drops its copy")
                .isEqualTo("node b:7701");
        // In the other order the stale copy never gets the entry.
        assertThat(b.reclaim("c2", 6, true).toCompletableFuture().get().node()).isEqualTo("node b:7701");
        assertThat(a.reclaim("c2", 5, true).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node b:7701", 6, true));
        // A tie stays with the holder; a node's own entry under a lower epoch is raised to its stored one.
        assertThat(c.reclaim("c2", 6, true).toCompletableFuture().get().node()).isEqualTo("node b:7701");
        assertThat(b.reclaim("c2", 8, true).toCompletableFuture().get())
                .isEqualTo(new SessionOwner("node b:7701", 8, true));
        assertThat(b.reclaim("c2", 3, true).toCompletableFuture().get().epoch()).isEqualTo(8);
    }

    @Test
    @DisplayName("The reclaim rule as Hazelcast runs it (entry processor): same answers as on a plain map")
    void reclaimProcessor() {
        java.util.Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>("c1",
                new SessionOwner("node-a", 5, true).encode());
        assertThat(new SessionOwners.Reclaim("node-c", 5, true).process(entry))
                .isEqualTo(new SessionOwner("node-a", 5, true).encode());
        assertThat(new SessionOwners.Reclaim("node-c", 9, true).process(entry))
                .isEqualTo(new SessionOwner("node-c", 9, true).encode());
        assertThat(entry.getValue()).isEqualTo(new SessionOwner("node-c", 9, true).encode());
    }

    @Test
    @DisplayName("After the owner answered that it dropped the session, the claim takes the entry from that owner or, "
            + "if the owner let go meanwhile, the free entry, under the same epoch; never another node's")
    void claimAfterTheOwnerLetGo() {
        SessionOwner first = a.claimFrom("c1", null, true).toCompletableFuture().join();
        assertThat(b.claimAfter("c1", first, true, 2).toCompletableFuture().join())
                .isEqualTo(new SessionOwner("node b:7701", 2, true));
        SessionOwner second = a.claimFrom("c2", null, true).toCompletableFuture().join();
        a.release("c2");
        assertThat(b.claimAfter("c2", second, false, 4).toCompletableFuture().join()).as("the entry went meanwhile")
                .isEqualTo(new SessionOwner("node b:7701", 4, false));
        SessionOwner third = a.claimFrom("c3", null, true).toCompletableFuture().join();
        SessionOwner other = c.claimFrom("c3", third, true).toCompletableFuture().join();
        assertThat(b.claimAfter("c3", third, true, 9).toCompletableFuture().join()).as("another node took it").isNull();
        assertThat(b.getAsync("c3").toCompletableFuture().join()).isEqualTo(other);
        java.util.Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>("c4", null);
        assertThat(new SessionOwners.ClaimFrom(first.encode(), "mine", false).process(entry))
                .as("as Hazelcast runs it: a free entry is not the expected one").isNull();
        assertThat(new SessionOwners.ClaimFrom(first.encode(), "mine", true).process(entry)).isEqualTo("mine");
    }

    @Test
    @DisplayName("A node lets go of its own entry only: an old owner's release leaves the new owner's entry")
    void releasesOwnOnly() {
        SessionOwner first = a.claimFrom("c1", null, true).toCompletableFuture().join();
        b.claimFrom("c1", first, true).toCompletableFuture().join();
        a.release("c1");
        assertThat(map).containsKey("c1");
        b.release("c1");
        assertThat(map).doesNotContainKey("c1");
    }
}
