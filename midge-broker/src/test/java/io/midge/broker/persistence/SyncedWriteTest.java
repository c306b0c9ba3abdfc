package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/**
 * The rule of {@code sync: always}: a write completes only once the synced write that carries it has returned, and
 * the batches that arrive meanwhile, of any owner, share the next one (one sync per commit cycle). The writer's
 * writes go through a layer the test holds and releases, so it sees what completes while a synced write is under
 * way, whether the write asked for a sync, and can make one fail.
 */
class SyncedWriteTest {
    @TempDir
    Path dir;

    /** Each write announces itself (whether it syncs) here and then waits for a permit of {@link #allowed}. */
    private final Semaphore started = new Semaphore(0);
    private final Semaphore allowed = new Semaphore(0);
    private final List<Boolean> syncs = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failNext = new AtomicBoolean();
    private RocksDbPersistence store;

    private final UnaryOperator<BucketWriter.StoreWrite> held = real -> (options, batch) -> {
        syncs.add(options.sync());
        started.release();
        allowed.acquireUninterruptibly();
        if (failNext.getAndSet(false)) {
            throw new RocksDBException("injected: the disk failed to sync");
        }
        real.write(options, batch);
    };

    private void open(PersistenceOptions options) {
        store = RocksDbPersistence.open(dir, options, held);
        store.recover();
    }

    @AfterEach
    void close() {
        allowed.release(1000);
        if (store != null) {
            store.close();
        }
    }

    @Test
    @DisplayName("A write completes only after the synced write that carries it returned; the batches of every owner "
            + "that arrive meanwhile share the next synced write")
    void aWriteCompletesOnlyAfterItsSyncAndWaitingOnesShareTheNext() throws Exception {
        open(Samples.options());
        assertThat(Samples.options().buckets()).as("one writer: one sync per cycle").isOne();
        CompletableFuture<Void> first = store.write(store.batch("a").putSession(session("a")), null);
        awaitWriteStarted();
        assertThat(syncs).containsExactly(true);
        stillPending(first);

        List<CompletableFuture<Void>> waiting = List.of(
                store.write(store.batch("b").putSession(session("b")), null),
                store.write(store.batch("c").putRetained(message("t", "x")), null),
                store.write(store.batch("a").appendQueued("a", 1, delivery(message("t", "y"))), null));
        allowed.release();
        first.get(10, TimeUnit.SECONDS);
        awaitWriteStarted();
        assertThat(syncs).containsExactly(true, true);
        waiting.forEach(SyncedWriteTest::stillPending);

        allowed.release();
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().syncs()).as("three owners' batches in one synced write").isEqualTo(2);
        assertThat(store.stats().commits()).isEqualTo(2);
        assertThat(store.stats().batches()).isEqualTo(4);
    }

    @Test
    @DisplayName("A commit only of batches that need no sync is written without one; a commit with any other batch "
            + "syncs")
    void onlyBatchesThatNeedNoSyncAreWrittenWithoutOne() throws Exception {
        open(Samples.options());
        allowed.release(1000);
        store.write(store.batch("a").appendQueued("a", 1, delivery(message("t", "x"))).noSyncNeeded(), null)
                .get(10, TimeUnit.SECONDS);
        assertThat(syncs).containsExactly(false);
        store.write(store.batch("a").putSession(session("a")), null).get(10, TimeUnit.SECONDS);
        assertThat(syncs).containsExactly(false, true);
        assertThat(store.stats().syncs()).isEqualTo(1);
    }

    @Test
    @DisplayName("A synced write that fails fails the batches it carried; nothing is acknowledged until the store is "
            + "open again, and then writes complete")
    void aFailedSyncFailsItsBatches() throws Exception {
        open(Samples.options().withRecoveryRetry(50));
        failNext.set(true);
        allowed.release(1000);
        CompletableFuture<Void> lost = store.write(store.batch("a").putSession(session("a")), null);
        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(StoreWriteFailedException.class)
                .hasMessageContaining("injected");
        assertThat(store.stats().syncs()).isZero();
        assertThat(store.stats().failed()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().recoveries() == 1);
        store.write(store.batch("b").putSession(session("b")), null).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().syncs()).isEqualTo(1);
    }

    private void awaitWriteStarted() throws InterruptedException {
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).as("a write began").isTrue();
    }

    /** The future stays incomplete for a while: what completes early does so at once, with nothing to wait for. */
    private static void stillPending(CompletableFuture<Void> future) {
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> !future.isDone());
    }
}
