package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static io.midge.broker.persistence.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every record type through a write, a close and a reopen; removals; batches; the store's life cycle. */
class RocksDbPersistenceTest {
    private static final long NOW = 1_800_000_000_000L;

    @TempDir
    Path dir;
    private final RocksDbPersistence[] store = new RocksDbPersistence[1];

    @BeforeEach
    void open() {
        store[0] = Samples.open(dir);
        assertThat(store[0].recover(NOW)).isEqualTo(RecoveredState.EMPTY);
    }

    @AfterEach
    void close() {
        store[0].close();
    }

    private StoreBatch batch(String owner) {
        return store[0].batch(owner);
    }

    private RecoveredState reopen() {
        return Samples.reopen(store, NOW);
    }

    private static RecoveredSession only(RecoveredState state) {
        assertThat(state.sessions()).hasSize(1);
        return state.sessions().get(0);
    }

    @Test
    void sessionWithEveryKindOfStateSurvivesReopen() {
        StoredSession s = new StoredSession("dev-1", 5, 3600, NOW - 1000);
        StoredSubscription a = new StoredSubscription(2, true, true, 2, 42);
        StoredSubscription b = StoredSubscription.of(1);
        StoredDelivery q1 = new StoredDelivery(Samples.richMessage(), 1, true, new int[] {42}, false);
        StoredDelivery q2 = delivery(message("t/2", "two"));
        StoredDelivery q3 = new StoredDelivery(message("t/3", "three"), 1, false, null, true);
        StoredWill will = new StoredWill("dev-1", message("dev-1/status", "gone"), NOW + 5000);
        write(store[0], batch("dev-1").putSession(s)
                .putSubscription("dev-1", "home/+/temp", a)
                .putSubscription("dev-1", "$share/g/alerts/#", b)
                .appendQueued("dev-1", 7, q1).appendQueued("dev-1", 8, q2).appendQueued("dev-1", 9, q3)
                .putInflight("dev-1", 100, 7, InflightState.AWAITING_PUBACK)
                .putInboundQos2("dev-1", 65535).putInboundQos2("dev-1", 3)
                .putWill(will));

        RecoveredState state = reopen();

        RecoveredSession r = only(state);
        assertThat(r.session()).isEqualTo(s);
        assertThat(r.expiresAtMillis()).isEqualTo(NOW - 1000 + 3_600_000);
        assertThat(r.subscriptions()).isEqualTo(Map.of("home/+/temp", a, "$share/g/alerts/#", b));
        assertThat(r.queued()).containsExactly(new QueuedDelivery(8, q2), new QueuedDelivery(9, q3));
        assertThat(r.inflight()).containsExactly(new InflightDelivery(100, 7, InflightState.AWAITING_PUBACK, q1));
        assertThat(r.inboundQos2()).containsExactly(3, 65535);
        assertThat(r.nextSequence()).isEqualTo(10);
        assertThat(state.wills()).containsExactly(will);
        assertThat(state.retained()).isEmpty();
    }

    @Test
    @DisplayName("Under sync always, a commit of batches that need no sync (what a subscriber acknowledged) is not "
            + "synced, a commit with any other batch is; both are there after a reopen")
    void batchesThatNeedNoSyncAreWrittenWithoutOne() {
        StoreStats stats = store[0].stats();
        long commits = stats.commits();
        long syncs = stats.syncs();
        write(store[0], batch("dev-1").putSession(session("dev-1")));
        assertThat(stats.syncs()).isEqualTo(syncs + 1);
        write(store[0], batch("dev-1").appendQueued("dev-1", 1, delivery(message("t/1", "one"))).noSyncNeeded());
        assertThat(stats.commits()).isEqualTo(commits + 2);
        assertThat(stats.syncs()).as("a commit of an unsynced batch only").isEqualTo(syncs + 1);
        CompletableFuture<Void> unsynced = store[0].write(batch("dev-1")
                .appendQueued("dev-1", 2, delivery(message("t/2", "two"))).noSyncNeeded(), null);
        write(store[0], batch("dev-1").putInflight("dev-1", 5, 1, InflightState.AWAITING_PUBACK));
        Samples.await(unsynced);
        assertThat(stats.syncs()).as("the next batch that needs one syncs").isGreaterThanOrEqualTo(syncs + 2);

        RecoveredSession r = only(reopen());
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(2L);
        assertThat(r.inflight()).extracting(InflightDelivery::sequence).containsExactly(1L);
    }

    @Test
    void retainedMessagesSurviveAndTheLastOneOfATopicWins() {
        StoredMessage first = message("a/b", "1");
        StoredMessage second = Samples.richMessage();
        StoredMessage other = message("a/c", "3");
        write(store[0], batch("p").putRetained(first).putRetained(other));
        write(store[0], batch("p").putRetained(new StoredMessage("a/b", 2, true, second.payload(),
                second.properties(), StoredMessage.NEVER, null)));
        write(store[0], batch("p").removeRetained("a/c"));

        RecoveredState state = reopen();

        assertThat(state.retained()).containsExactly(new StoredMessage("a/b", 2, true, second.payload(),
                second.properties(), StoredMessage.NEVER, null));
    }

    @Test
    void removingASessionRemovesEverythingOfItAndNothingOfOthers() {
        for (String id : List.of("ab", "abc", "a")) {
            write(store[0], batch(id).putSession(session(id))
                    .putSubscription(id, "x/#", StoredSubscription.of(1))
                    .appendQueued(id, 1, delivery(message("x/1", id)))
                    .putInflight(id, 1, 1, InflightState.AWAITING_PUBACK)
                    .appendQueued(id, 2, delivery(message("x/2", id)))
                    .putInboundQos2(id, 9)
                    .putWill(new StoredWill(id, message("w", id), NOW)));
        }
        write(store[0], batch("ab").removeSession("ab"));

        RecoveredState state = reopen();

        assertThat(state.sessions()).extracting(RecoveredSession::clientId).containsExactlyInAnyOrder("a", "abc");
        for (RecoveredSession r : state.sessions()) {
            assertThat(r.subscriptions()).hasSize(1);
            assertThat(r.queued()).hasSize(1);
            assertThat(r.inflight()).hasSize(1);
            assertThat(r.inboundQos2()).containsExactly(9);
        }
        assertThat(state.wills()).extracting(StoredWill::clientId).containsExactlyInAnyOrder("a", "abc");
    }

    @Test
    void aRemovedSessionCanStartAgainUnderTheSameIdentifier() {
        write(store[0], batch("c").putSession(session("c")).appendQueued("c", 1, delivery(message("old", "x"))));
        write(store[0], batch("c").removeSession("c"));
        write(store[0], batch("c").putSession(session("c")).appendQueued("c", 1, delivery(message("new", "y"))));

        RecoveredSession r = only(reopen());

        assertThat(r.queued()).extracting(q -> q.delivery().message().topic()).containsExactly("new");
    }

    @Test
    void eachRecordCanBeRemovedOnItsOwn() {
        write(store[0], batch("c").putSession(session("c"))
                .putSubscription("c", "keep", StoredSubscription.of(0))
                .putSubscription("c", "drop", StoredSubscription.of(0))
                .appendQueued("c", 1, delivery(message("q", "1"))).appendQueued("c", 2, delivery(message("q", "2")))
                .putInflight("c", 5, 1, InflightState.AWAITING_PUBACK)
                .putInboundQos2("c", 1).putInboundQos2("c", 2)
                .putWill(new StoredWill("c", message("w", "w"), NOW)));
        write(store[0], batch("c").removeSubscription("c", "drop").removeInflight("c", 5).removeQueued("c", 1)
                .removeInboundQos2("c", 1).removeWill("c"));

        RecoveredState state = reopen();

        RecoveredSession r = only(state);
        assertThat(r.subscriptions()).containsOnlyKeys("keep");
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(2L);
        assertThat(r.inflight()).isEmpty();
        assertThat(r.inboundQos2()).containsExactly(2);
        assertThat(state.wills()).isEmpty();
    }

    @Test
    void qos2DeliveryAfterPubrecKeepsOnlyThePacketIdentifier() {
        StoredDelivery d = new StoredDelivery(message("t", "m"), 2, false, null, false);
        write(store[0], batch("c").putSession(session("c")).appendQueued("c", 4, d));
        write(store[0], batch("c").putInflight("c", 77, 4, InflightState.AWAITING_PUBREC));
        write(store[0], batch("c").putInflight("c", 77, 4, InflightState.AWAITING_PUBCOMP).removeQueued("c", 4));

        RecoveredSession r = only(reopen());

        assertThat(r.queued()).isEmpty();
        assertThat(r.inflight()).containsExactly(new InflightDelivery(77, 4, InflightState.AWAITING_PUBCOMP, null));
        assertThat(r.nextSequence()).isEqualTo(5);
    }

    @Test
    void inflightComesBackInSendingOrderEvenWhenPacketIdentifiersWrapped() {
        StoreBatch b = batch("c").putSession(session("c"));
        int[] packetIds = {65534, 65535, 1, 2};
        for (int i = 0; i < packetIds.length; i++) {
            b.appendQueued("c", 10 + i, delivery(message("t", "m" + i)));
            b.putInflight("c", packetIds[i], 10 + i, InflightState.AWAITING_PUBACK);
        }
        write(store[0], b);

        RecoveredSession r = only(reopen());

        assertThat(r.inflight()).extracting(InflightDelivery::packetId).containsExactly(65534, 65535, 1, 2);
    }

    @Test
    void aLaterChangeInABatchOverridesAnEarlierOne() {
        write(store[0], batch("c").putSession(session("c"))
                .appendQueued("c", 1, delivery(message("t", "1"))).removeQueued("c", 1)
                .putSubscription("c", "f", StoredSubscription.of(0)).putSubscription("c", "f", StoredSubscription.of(2))
                .removeSession("c").putSession(session("c")).putInboundQos2("c", 4));

        RecoveredSession r = only(reopen());

        assertThat(r.queued()).isEmpty();
        assertThat(r.subscriptions()).isEmpty(); // removed with the session, before it was stored again
        assertThat(r.inboundQos2()).containsExactly(4);
    }

    @Test
    void aPublishBatchLandsWhole() {
        // The inbound QoS 2 identifier, three subscribers' queues and the retained message: one unit.
        StoredMessage m = new StoredMessage("t", 2, true, Samples.bytes("p"), Samples.richMessage().properties(),
                StoredMessage.NEVER, "pub");
        StoreBatch setup = batch("pub");
        for (String id : List.of("pub", "s1", "s2", "s3")) {
            setup.putSession(session(id));
        }
        write(store[0], setup);
        write(store[0], batch("pub").putInboundQos2("pub", 12)
                .appendQueued("s1", 0, delivery(m)).appendQueued("s2", 0, delivery(m)).appendQueued("s3", 0, delivery(m))
                .putRetained(m));

        RecoveredState state = reopen();

        assertThat(state.retained()).containsExactly(m);
        for (RecoveredSession r : state.sessions()) {
            if (r.clientId().equals("pub")) {
                assertThat(r.inboundQos2()).containsExactly(12);
            } else {
                assertThat(r.queued()).containsExactly(new QueuedDelivery(0, delivery(m)));
            }
        }
    }

    @Test
    void aBatchThatFailsLeavesNothingBehindAndStopsTheStoreUntilItIsOpenedAgain() throws Exception {
        // A store that retries only after a minute: what it refuses meanwhile can be checked without a race.
        store[0].close();
        store[0] = RocksDbPersistence.open(dir, Samples.options().withRecoveryRetry(60_000));
        store[0].recover(NOW);
        // RocksDB refuses a range whose end comes before its start: the whole WriteBatch fails, and so every batch
        // committed with it; the future says so, and none of the batch's other changes is in the store.
        write(store[0], batch("c").putSession(session("c")));
        CompletableFuture<Void> result = store[0].write(failingBatch(), null);

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StoreWriteFailedException.class).hasMessageContaining(dir.toString())
                .hasMessageContaining("the broker retries by itself");
        // RocksDB takes no write after a failed one; the store says so at once, for every bucket.
        for (String owner : List.of("c", "d", "e", "f")) {
            CompletableFuture<Void> later = store[0].write(batch(owner).putRetained(message("r2", "x")), null);
            assertThatThrownBy(() -> later.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(StoreWriteFailedException.class)
                    .hasMessageContaining("takes no writes since one failed");
        }
        assertThat(store[0].stats().failed()).isEqualTo(5);
        RecoveredState state = reopen();
        assertThat(state.retained()).isEmpty();
        assertThat(only(state).queued()).isEmpty();
        write(store[0], batch("c").appendQueued("c", 2, delivery(message("t", "kept"))));
        assertThat(only(reopen()).queued()).extracting(QueuedDelivery::sequence).containsExactly(2L);
    }

    @Test
    void afterAFailedWriteTheStoreOpensItselfAgainAndTakesWritesWithoutARestart() throws Exception {
        store[0].close();
        store[0] = RocksDbPersistence.open(dir, Samples.options().withRecoveryRetry(50));
        store[0].recover(NOW);
        write(store[0], batch("c").putSession(session("c")));
        assertThatThrownBy(() -> store[0].write(failingBatch(), null).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(StoreWriteFailedException.class);

        await().atMost(Duration.ofSeconds(10)).until(() -> store[0].stats().recoveries() == 1);
        write(store[0], batch("c").appendQueued("c", 3, delivery(message("t", "after"))));

        RecoveredSession r = only(reopen());
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(3L);
    }

    /** A batch RocksDB refuses whole: a range whose end comes before its start, after changes that must not stay. */
    private EncodedBatch failingBatch() {
        EncodedBatch bad = (EncodedBatch) batch("c").appendQueued("c", 1, delivery(message("t", "lost")))
                .putRetained(message("r", "lost"));
        bad.add(EncodedBatch.Kind.DELETE_RANGE, Keys.clientEnd("c"), Keys.clientStart("c"));
        return bad;
    }

    @Test
    void completionRunsOnTheGivenExecutor() throws Exception {
        // An executor that only collects its tasks: the write is durable long before the test runs them, yet its
        // future completes only then, which proves that completion goes through the executor.
        BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
        CompletableFuture<Void> written = store[0].write(batch("c").putSession(session("c")), tasks::add);
        Runnable task = tasks.poll(10, TimeUnit.SECONDS);
        assertThat(task).isNotNull();
        assertThat(written).isNotDone();
        task.run();
        assertThat(written).isCompleted();
    }

    @Test
    void eachKindOfChangeIsWrittenAndUndoneOnItsOwn() {
        write(store[0], batch("c").putSession(session("c")));
        write(store[0], batch("c").putSubscription("c", "f", StoredSubscription.of(1)));
        write(store[0], batch("c").appendQueued("c", 1, delivery(message("t", "1"))));
        write(store[0], batch("c").putInflight("c", 3, 1, InflightState.AWAITING_PUBACK));
        write(store[0], batch("c").putInboundQos2("c", 8));
        write(store[0], batch("c").putRetained(message("r", "r")));
        write(store[0], batch("c").putWill(new StoredWill("c", message("w", "w"), NOW)));

        RecoveredState state = reopen();
        RecoveredSession r = only(state);
        assertThat(r.subscriptions()).containsOnlyKeys("f");
        assertThat(r.inflight()).hasSize(1);
        assertThat(r.inboundQos2()).containsExactly(8);
        assertThat(state.retained()).hasSize(1);
        assertThat(state.wills()).hasSize(1);

        write(store[0], batch("c").removeSubscription("c", "f"));
        write(store[0], batch("c").removeInflight("c", 3));
        write(store[0], batch("c").removeQueued("c", 1));
        write(store[0], batch("c").removeInboundQos2("c", 8));
        write(store[0], batch("c").removeRetained("r"));
        write(store[0], batch("c").removeWill("c"));
        state = reopen();
        r = only(state);
        assertThat(r.subscriptions()).isEmpty();
        assertThat(r.queued()).isEmpty();
        assertThat(r.inflight()).isEmpty();
        assertThat(r.inboundQos2()).isEmpty();
        assertThat(state.retained()).isEmpty();
        assertThat(state.wills()).isEmpty();

        write(store[0], batch("c").removeSession("c"));
        assertThat(reopen().sessions()).isEmpty();
    }

    @Test
    void everySyncPolicyKeepsWhatItAcknowledgedAcrossACleanClose() {
        for (SyncPolicy policy : SyncPolicy.values()) {
            store[0].close();
            store[0] = RocksDbPersistence.open(dir, Samples.options().withSyncPolicy(policy).withSyncInterval(5));
            store[0].recover(NOW);
            write(store[0], batch("c").putRetained(message("policy/" + policy, "x")));
        }
        assertThat(reopen().retained()).extracting(StoredMessage::topic)
                .containsExactlyInAnyOrder("policy/ALWAYS", "policy/INTERVAL", "policy/NONE");
    }

    @Test
    void aBatchIsSubmittedOnceAndNotChangedAfterwards() {
        StoreBatch b = batch("c").putSession(session("c"));
        write(store[0], b);
        assertThatThrownBy(() -> store[0].write(b, null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.putInboundQos2("c", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store[0].write(new InMemoryPersistence().batch("c"), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recoveryComesBeforeTheFirstWrite() {
        write(store[0], batch("c").putSession(session("c")));
        assertThatThrownBy(() -> store[0].recover(NOW)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before the first write");
    }

    @Test
    void writesAfterCloseFailAndCloseIsIdempotent() {
        store[0].close();
        store[0].close();
        CompletableFuture<Void> late = store[0].write(batch("c").putSession(session("c")), null);
        assertThat(late).isCompletedExceptionally();
        assertThatThrownBy(late::join).cause().isInstanceOf(PersistenceException.class).hasMessageContaining("closed");
    }
}
