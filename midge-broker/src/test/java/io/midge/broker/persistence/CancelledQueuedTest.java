package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queue entries of a batch made {@link StoreBatch#cancellableQueued} (a publish delivered before it is durable): one
 * removed before the writer took its batch is written neither as put nor as delete, one removed after is deleted by
 * a later write, and what a crash then finds in the store is exactly what was not acknowledged. The writer's writes
 * go through a layer the test holds, as in {@link SyncedWriteTest}, so that the test decides what the writer took.
 */
class CancelledQueuedTest {
    @TempDir
    Path dir;

    private final Semaphore started = new Semaphore(0);
    private final Semaphore allowed = new Semaphore(0);
    private final List<Boolean> syncs = new CopyOnWriteArrayList<>();
    private RocksDbPersistence store;

    private final UnaryOperator<BucketWriter.StoreWrite> held = real -> (options, batch) -> {
        syncs.add(options.sync());
        started.release();
        allowed.acquireUninterruptibly();
        real.write(options, batch);
    };

    @AfterEach
    void close() {
        allowed.release(1000);
        if (store != null) {
            store.close();
        }
    }

    private void open() {
        store = RocksDbPersistence.open(dir, Samples.options(), held);
        store.recover();
        allowed.release();
        Samples.write(store, store.batch("sub").putSession(session("sub")));
        syncs.clear();
        started.drainPermits();
    }

    /** The handles of the last {@link #published} batch's puts: index 0 is entry 1. */
    private final List<QueuedPut> puts = new ArrayList<>();

    /** A publisher's batch with queue entries 1..n for "sub", cancellable; their handles in {@link #puts}. */
    private StoreBatch published(int n) {
        return published(1, n);
    }

    private StoreBatch published(int first, int last) {
        StoreBatch batch = store.batch("pub").cancellableQueued();
        puts.clear();
        for (int seq = first; seq <= last; seq++) {
            puts.add(batch.appendCancellable("sub", seq, delivery(message("t", "m" + seq))));
        }
        return batch;
    }

    /** The queue of "sub" as a restart finds it: the store closed (as a kill would leave the log) and read again. */
    private List<Long> queuedAfterRestart() {
        allowed.release(1000);
        store.close();
        store = RocksDbPersistence.open(dir, Samples.options());
        RecoveredState state = store.recover();
        return state.sessions().stream().filter(s -> s.clientId().equals("sub")).findFirst().orElseThrow()
                .queued().stream().map(QueuedDelivery::sequence).toList();
    }

    @Test
    @DisplayName("MQTT-4.3.2-2, MQTT-4.4.0-1: a queue entry acknowledged before the writer took its batch is written "
            + "neither as put nor as delete; the others are written, and a restart sends exactly those again")
    void acknowledgedBeforeTheWriterTookItIsNeverWritten() throws Exception {
        open();
        // The writer is busy with another commit: the publisher's batch waits in its queue.
        CompletableFuture<Void> other = store.write(store.batch("x").putSession(session("x")), null);
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> publish = store.write(published(3), null);

        assertThat(puts.get(0).cancel()).as("1 acknowledged: its put cancelled, nothing to remove").isTrue();
        assertThat(puts.get(2).cancel()).as("3 likewise").isTrue();
        assertThat(puts.get(0).cancel()).as("a put is cancelled once").isFalse();

        allowed.release(2);
        Samples.await(other);
        publish.get(10, TimeUnit.SECONDS);
        assertThat(store.stats().cancelledQueued()).isEqualTo(2);
        assertThat(puts.get(1).cancel()).as("nothing can cancel a written entry").isFalse();
        assertThat(queuedAfterRestart()).containsExactly(2L);
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: a queue entry acknowledged after the writer took its batch is deleted by a later "
            + "write, never left behind nor resurrected")
    void acknowledgedAfterTheWriterTookItIsDeletedLater() throws Exception {
        open();
        CompletableFuture<Void> publish = store.write(published(2), null);
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).as("the writer took the batch").isTrue();
        assertThat(puts.get(0).cancel()).as("too late to cancel: the delete is written").isFalse();
        StoreBatch acks = store.batch("sub").removeQueued("sub", 1);
        CompletableFuture<Void> removal = store.write(acks.noSyncNeeded(), null);
        allowed.release(2);
        publish.get(10, TimeUnit.SECONDS);
        removal.get(10, TimeUnit.SECONDS);
        assertThat(store.stats().cancelledQueued()).isZero();
        assertThat(queuedAfterRestart()).containsExactly(2L);
    }

    @Test
    @DisplayName("A batch whose every entry was acknowledged before it was taken completes without a write or a sync")
    void allCancelledCostsNoSync() throws Exception {
        open();
        CompletableFuture<Void> other = store.write(store.batch("x").putSession(session("x")), null);
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> publish = store.write(published(2), null);
        assertThat(puts).allMatch(QueuedPut::cancel);
        allowed.release();
        publish.get(10, TimeUnit.SECONDS);
        Samples.await(other);
        assertThat(syncs).as("only the other batch's write").containsExactly(true);
        assertThat(store.stats().commits()).isEqualTo(2); // the session "sub" at open, and "x"
        assertThat(queuedAfterRestart()).isEmpty();
    }

    @Test
    @DisplayName("Entries of a batch the store refused can no longer be cancelled: their removal is written as usual")
    void refusedBatchLeavesNothingCancellable() throws Exception {
        store = RocksDbPersistence.open(dir, Samples.options().withMaxPending(1, 1 << 20), held);
        store.recover();
        CompletableFuture<Void> first = store.write(store.batch("x").putSession(session("x")), null);
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> queued = store.write(store.batch("y").putSession(session("y")), null);
        CompletableFuture<Void> refused = store.write(published(2), null);
        assertThat(refused).isCompletedExceptionally();
        assertThat(puts.get(0).cancel()).as("refused: the removal is written as usual").isFalse();
        allowed.release(2);
        Samples.await(first);
        Samples.await(queued);
    }
    @Test
    @DisplayName("MQTT-4.3.2-2: a run of acknowledged entries is one change, a range deletion of exactly the run: the "
            + "entries either side stay, and a restart sends exactly those again")
    void runOfAcknowledgedEntriesIsOneRangeDeletion() throws Exception {
        open();
        allowed.release(1000);
        Samples.write(store, published(10));
        StoreBatch run = store.batch("sub").removeQueued("sub", 3, 7);
        assertThat(((EncodedBatch) run).count()).as("one change for five entries").isEqualTo(1);
        Samples.write(store, run.noSyncNeeded());
        assertThat(queuedAfterRestart()).containsExactly(1L, 2L, 8L, 9L, 10L);
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: an entry the store cancelled (acknowledged before its batch was taken) may sit inside "
            + "a run: its put is never written, the rest of the run is deleted, and the entries after it stay")
    void cancelledEntryInsideARun() throws Exception {
        open();
        CompletableFuture<Void> first = store.write(published(4), null);
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).as("the writer took entries 1-4").isTrue();
        QueuedPut two = puts.get(1);
        CompletableFuture<Void> second = store.write(published(5, 6), null);
        assertThat(puts.get(0).cancel()).as("5 is not taken yet: cancelled").isTrue();
        assertThat(two.cancel()).as("2 was taken: the caller deletes it").isFalse();
        CompletableFuture<Void> removal = store.write(store.batch("sub").removeQueued("sub", 1, 5).noSyncNeeded(),
                null);
        allowed.release(1000);
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        removal.get(10, TimeUnit.SECONDS);
        assertThat(store.stats().cancelledQueued()).isEqualTo(1);
        assertThat(queuedAfterRestart()).containsExactly(6L);
    }

    @Test
    @DisplayName("A run must hold at least one entry")
    void emptyRunIsRefused() {
        open();
        assertThatThrownBy(() -> store.batch("sub").removeQueued("sub", 5, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5..4");
    }
}
