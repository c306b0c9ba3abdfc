package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static io.midge.broker.persistence.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record of a session moved here in a cluster (0x06 under the client's prefix): kept, restored, removed. */
class MovedCopiesRecordTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final StoredMovedCopies COPIES = new StoredMovedCopies(Set.of("$cluster/from/c 7", "$cluster/from/b 9"),
            Map.of("$cluster/from/c", 5L, "$cluster/from/a", Long.MAX_VALUE), List.of(3L, -1L));

    @TempDir
    Path dir;
    private final RocksDbPersistence[] store = new RocksDbPersistence[1];

    @BeforeEach
    void open() {
        store[0] = Samples.open(dir);
        store[0].recover(T0);
    }

    @AfterEach
    void close() {
        store[0].close();
    }

    @Test
    @DisplayName("Written with a tail's messages, the record comes back with its session; a session without one "
            + "has none")
    void restoredWithItsSession() {
        write(store[0], store[0].batch("mover").putSession(session("mover")).putSession(session("other"))
                .appendQueued("mover", 1, delivery(message("t", "tail")))
                .putMovedCopies("mover", COPIES));

        RecoveredState state = Samples.reopen(store, T0);

        Map<String, RecoveredSession> byId = new java.util.HashMap<>();
        state.sessions().forEach(s -> byId.put(s.clientId(), s));
        assertThat(byId.get("mover").movedCopies()).isEqualTo(COPIES);
        assertThat(byId.get("mover").queued()).hasSize(1);
        assertThat(byId.get("other").movedCopies()).isNull();
    }

    @Test
    @DisplayName("Removing the session removes the record too (the prefix's range delete), as when the session moves "
            + "on and comes back; without a session, recovery deletes it")
    void removedWithItsSession() {
        write(store[0], store[0].batch("mover").putSession(session("mover")).putMovedCopies("mover", COPIES)
                .putMovedCopies("ghost", COPIES));
        write(store[0], store[0].batch("mover").removeSession("mover").putSession(session("mover")));

        RecoveredState state = Samples.reopen(store, T0);

        assertThat(state.sessions()).extracting(RecoveredSession::clientId).containsExactly("mover");
        assertThat(state.sessions().get(0).movedCopies()).isNull();
        assertThat(Samples.reopen(store, T0).sessions()).hasSize(1); // the ghost's record went at the first start
    }

    @Test
    @DisplayName("The record keeps the last few moves' request identifiers, the newest last")
    void keepsTheLastFewAppliedTails() {
        StoredMovedCopies c = null;
        for (long id = 1; id <= StoredMovedCopies.APPLIED_KEPT + 2; id++) {
            c = StoredMovedCopies.after(c, id, Set.of(), Map.of());
        }
        assertThat(c.appliedTails()).hasSize(StoredMovedCopies.APPLIED_KEPT).endsWith(10L).doesNotContain(1L, 2L);
        assertThat(c.applied(3)).isTrue();
        assertThat(c.applied(2)).isFalse();
        assertThat(Values.movedCopies(Values.movedCopies(c))).isEqualTo(c);
    }

    @Test
    @DisplayName("A late tail's copies and cut-offs are added to its move's (a node's MARK_DUE giving way to its "
            + "cut-off), where a new move's replace them")
    void aLateTailAddsToItsMove() {
        StoredMovedCopies move = StoredMovedCopies.after(null, 7, Set.of("$cluster/from/a 20"),
                Map.of("$cluster/from/a", 20L, "$cluster/from/c", -1L));
        StoredMovedCopies late = StoredMovedCopies.added(move, -99, Set.of("$cluster/from/c 9"),
                Map.of("$cluster/from/c", 9L));
        assertThat(late.identities()).containsExactlyInAnyOrder("$cluster/from/a 20", "$cluster/from/c 9");
        assertThat(late.routedBefore()).isEqualTo(Map.of("$cluster/from/a", 20L, "$cluster/from/c", 9L));
        assertThat(late.appliedTails()).containsExactly(7L, -99L);
        StoredMovedCopies next = StoredMovedCopies.after(late, 8, Set.of(), Map.of("$cluster/from/b", 3L));
        assertThat(next.identities()).isEmpty();
        assertThat(next.routedBefore()).isEqualTo(Map.of("$cluster/from/b", 3L));
    }
}
