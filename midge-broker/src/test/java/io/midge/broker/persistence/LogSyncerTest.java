package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * The rule of {@code sync: always} with one sync for all writers ({@link LogSyncer}): a write completes only after a
 * sync that began after it was written. The syncs of the log go through a layer the test holds and releases, so it
 * can see what completes while a sync is under way, and make one fail.
 */
class LogSyncerTest {
    /** Owners of the two writers of a two-bucket store ({@code hash % 2}). */
    private static final String ON_WRITER_0 = "b";
    private static final String ON_WRITER_1 = "a";

    @TempDir
    Path dir;

    /** Each sync announces itself here and then waits for a permit of {@link #allowed}. */
    private final Semaphore started = new Semaphore(0);
    private final Semaphore allowed = new Semaphore(0);
    private final AtomicBoolean failNext = new AtomicBoolean();
    private RocksDbPersistence store;

    private final UnaryOperator<LogSyncer.LogSync> held = real -> () -> {
        started.release();
        allowed.acquireUninterruptibly();
        if (failNext.getAndSet(false)) {
            throw new RocksDBException("injected: the disk failed to sync");
        }
        real.sync();
    };

    private void open(PersistenceOptions options) {
        store = RocksDbPersistence.open(dir, options.withBuckets(2), held);
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
    @DisplayName("A write completes only after a sync that began after it was written: one written while a sync is "
            + "under way waits for the next, and that one sync covers what both writers wrote meanwhile")
    void aWriteWaitsForASyncThatBeganAfterIt() throws Exception {
        open(Samples.options());
        assertThat(bucket(ON_WRITER_0)).isZero();
        assertThat(bucket(ON_WRITER_1)).isOne();
        CompletableFuture<Void> first = store.write(store.batch(ON_WRITER_0).putSession(session(ON_WRITER_0)), null);
        awaitSyncStarted();
        stillPending(first);

        // Written while the first sync is under way, one on each writer.
        long commits = store.stats().commits();
        CompletableFuture<Void> second = store.write(store.batch(ON_WRITER_1).putSession(session(ON_WRITER_1)), null);
        CompletableFuture<Void> third = store.write(store.batch(ON_WRITER_0).putRetained(message("t", "x")), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().commits() == commits + 2);

        allowed.release();
        first.get(10, TimeUnit.SECONDS);
        awaitSyncStarted();
        stillPending(second);
        stillPending(third);
        allowed.release();
        CompletableFuture.allOf(second, third).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().syncs()).as("one sync for both writers' commits").isEqualTo(2);
    }

    @Test
    @DisplayName("A batch that needs no sync, written behind one of the same writer that waits for its sync, "
            + "completes after it: completions keep the writer's order")
    void completionsKeepTheWritersOrder() throws Exception {
        open(Samples.options());
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> synced = store.write(store.batch(ON_WRITER_0).putSession(session(ON_WRITER_0)), null)
                .thenRun(() -> order.add("synced"));
        awaitSyncStarted();
        long commits = store.stats().commits();
        CompletableFuture<Void> unsynced = store.write(store.batch(ON_WRITER_0)
                .appendQueued(ON_WRITER_0, 1, delivery(message("t", "x"))).noSyncNeeded(), null)
                .thenRun(() -> order.add("unsynced"));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().commits() == commits + 1);
        stillPending(unsynced);

        allowed.release();
        CompletableFuture.allOf(synced, unsynced).get(10, TimeUnit.SECONDS);
        assertThat(order).containsExactly("synced", "unsynced");
        assertThat(store.stats().syncs()).isEqualTo(1);
    }

    @Test
    @DisplayName("A sync that fails fails the writes it was to cover, nothing is acknowledged until the store is "
            + "open again, and then writes complete")
    void aFailedSyncFailsItsWrites() throws Exception {
        open(Samples.options().withRecoveryRetry(50));
        failNext.set(true);
        allowed.release(1000);
        CompletableFuture<Void> lost = store.write(store.batch(ON_WRITER_0).putSession(session(ON_WRITER_0)), null);
        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(StoreWriteFailedException.class)
                .hasMessageContaining("injected");
        assertThat(store.stats().syncs()).isZero();
        assertThat(store.stats().failed()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().recoveries() == 1);
        store.write(store.batch(ON_WRITER_1).putSession(session(ON_WRITER_1)), null).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().syncs()).isEqualTo(1);
    }

    private void awaitSyncStarted() throws InterruptedException {
        assertThat(started.tryAcquire(10, TimeUnit.SECONDS)).as("a sync began").isTrue();
    }

    /** The future stays incomplete for a while: what completes early does so at once, with nothing to wait for. */
    private static void stillPending(CompletableFuture<Void> future) {
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> !future.isDone());
    }

    private static int bucket(String owner) {
        return Math.floorMod(owner.hashCode(), 2);
    }
}
