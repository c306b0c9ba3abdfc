package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static io.midge.broker.persistence.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.property.MqttProperties;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What comes back at start, and what expired while the broker was down and does not. */
class RecoveryTest {
    private static final long T0 = 1_800_000_000_000L;

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

    private StoreBatch batch(String owner) {
        return store[0].batch(owner);
    }

    private static StoredMessage expiringAt(String topic, long at) {
        return new StoredMessage(topic, 1, false, Samples.bytes("x"), MqttProperties.EMPTY, at, "p");
    }

    @Test
    void sessionsThatExpiredAreDroppedAndDeletedButTheirWillsComeBack() {
        StoredWill will = new StoredWill("gone", message("gone/status", "offline"), T0 + 60_000);
        write(store[0], batch("gone").putSession(new StoredSession("gone", 5, 10, T0))
                .putSubscription("gone", "a/#", StoredSubscription.of(1))
                .appendQueued("gone", 1, delivery(message("a/1", "x")))
                .putWill(will));
        write(store[0], batch("stays").putSession(new StoredSession("stays", 5, 10, T0)));

        RecoveredState state = Samples.reopen(store, T0 + 10_000); // exactly at expiry: gone

        assertThat(state.sessions()).isEmpty();
        assertThat(state.droppedSessions()).isEqualTo(2);
        assertThat(state.wills()).containsExactly(will);
        // Deleted for good: a second restore finds no session, and still the will until the broker removes it.
        RecoveredState again = Samples.reopen(store, T0);
        assertThat(again.sessions()).isEmpty();
        assertThat(again.droppedSessions()).isZero();
        assertThat(again.wills()).containsExactly(will);
    }

    @Test
    void expiryCountsFromTheDisconnectOrFromTheRestartForSessionsThatWereConnected() {
        write(store[0], batch("x").putSession(new StoredSession("offline", 4, 100, T0))
                .putSession(new StoredSession("online", 5, 100, StoredSession.CONNECTED))
                .putSession(new StoredSession("forever", 5, StoredSession.NEVER_EXPIRES, T0 - 1_000_000_000L))
                .putSession(new StoredSession("clean", 5, 0, StoredSession.CONNECTED)));

        RecoveredState state = Samples.reopen(store, T0 + 50_000);

        assertThat(state.sessions()).extracting(RecoveredSession::clientId)
                .containsExactlyInAnyOrder("offline", "online", "forever");
        for (RecoveredSession r : state.sessions()) {
            long expected = switch (r.clientId()) {
                case "offline" -> T0 + 100_000;
                case "online" -> T0 + 50_000 + 100_000;
                default -> Long.MAX_VALUE;
            };
            assertThat(r.expiresAtMillis()).as(r.clientId()).isEqualTo(expected);
        }
        assertThat(state.droppedSessions()).isEqualTo(1); // "clean": expiry 0, over once the broker stopped
    }

    @Test
    void expiredQueuedAndRetainedMessagesAreDroppedButExpiredInflightOnesAreCompleted() {
        write(store[0], batch("c").putSession(session("c"))
                .appendQueued("c", 1, delivery(expiringAt("q/old", T0 + 1)))
                .appendQueued("c", 2, delivery(expiringAt("q/fresh", T0 + 1_000_000)))
                .appendQueued("c", 3, delivery(expiringAt("q/sent", T0 + 1)))
                .putInflight("c", 1, 3, InflightState.AWAITING_PUBACK)
                .putRetained(expiringAt("r/old", T0 + 1))
                .putRetained(expiringAt("r/fresh", T0 + 1_000_000)));

        RecoveredState state = Samples.reopen(store, T0 + 10);

        RecoveredSession r = state.sessions().get(0);
        assertThat(r.queued()).extracting(q -> q.delivery().message().topic()).containsExactly("q/fresh");
        assertThat(r.inflight()).extracting(i -> i.delivery().message().topic()).containsExactly("q/sent");
        assertThat(state.retained()).extracting(StoredMessage::topic).containsExactly("r/fresh");
        assertThat(state.droppedMessages()).isEqualTo(2);
        assertThat(r.nextSequence()).isEqualTo(4);
        // The deletes were written: as of an earlier clock, the dropped ones are still gone.
        RecoveredState again = Samples.reopen(store, T0);
        assertThat(again.retained()).extracting(StoredMessage::topic).containsExactly("r/fresh");
        assertThat(again.sessions().get(0).queued()).hasSize(1);
    }

    @Test
    void recordsOfClientsWithoutASessionAreRemoved() {
        write(store[0], batch("ghost").appendQueued("ghost", 1, delivery(message("t", "x")))
                .putSubscription("ghost", "t", StoredSubscription.of(1))
                .putSession(session("real")).putInflight("real", 4, 99, InflightState.AWAITING_PUBACK));

        RecoveredState state = Samples.reopen(store, T0);

        assertThat(state.sessions()).extracting(RecoveredSession::clientId).containsExactly("real");
        assertThat(state.sessions().get(0).inflight()).isEmpty(); // it pointed at no queued message
        assertThat(keysIn(Keys.CLIENT)).isEqualTo(1); // only the session record of "real" is left
    }

    @Test
    void nextSequenceContinuesAfterTheHighestOneInUse() {
        write(store[0], batch("c").putSession(session("c")).putSession(session("d"))
                .appendQueued("c", 41, delivery(message("t", "x")))
                .putInflight("c", 9, 41, InflightState.AWAITING_PUBACK));

        RecoveredState state = Samples.reopen(store, T0);

        for (RecoveredSession r : state.sessions()) {
            assertThat(r.nextSequence()).isEqualTo(r.clientId().equals("c") ? 42 : 0);
        }
    }

    /** Counts the keys of one area with RocksDB itself, for what recovery does not show. */
    private int keysIn(byte area) {
        store[0].close();
        int count = 0;
        try (org.rocksdb.RocksDB db = org.rocksdb.RocksDB.openReadOnly(dir.toString());
             org.rocksdb.RocksIterator it = db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (it.key()[0] == area) {
                    count++;
                }
            }
        } catch (org.rocksdb.RocksDBException e) {
            throw new AssertionError(e);
        }
        store[0] = Samples.open(dir);
        return count;
    }
}
