package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.testing.Threads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many writers at once: everything completes, in order per owner, with far fewer syncs than batches. */
class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void concurrentSubmittersAllCompleteInOrderPerOwnerAndShareSyncs() throws Exception {
        int threads = 8;
        int perThread = 500;
        List<List<Long>> completed = new ArrayList<>();
        try (RocksDbPersistence store = Samples.open(dir)) {
            store.recover();
            List<ExecutorService> loops = new ArrayList<>();
            List<Thread> submitters = new ArrayList<>();
            List<CompletableFuture<Void>> all = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                String owner = "client-" + t;
                // Callbacks run on the loop, or on the submitter when attached after completion: either way in
                // completion order, as each is attached before the next batch is submitted.
                List<Long> order = Collections.synchronizedList(new ArrayList<>());
                completed.add(order);
                ExecutorService loop = Executors.newSingleThreadExecutor();
                loops.add(loop);
                Samples.await(store.write(store.batch(owner).putSession(session(owner)), null));
                submitters.add(Threads.start(() -> {
                    for (long seq = 0; seq < perThread; seq++) {
                        long s = seq;
                        StoreBatch b = store.batch(owner).appendQueued(owner, s, delivery(message("t/" + owner,
                                Long.toString(s))));
                        all.add(store.write(b, loop).thenRun(() -> order.add(s)));
                    }
                }));
            }
            for (Thread t : submitters) {
                t.join();
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (ExecutorService loop : loops) {
                loop.shutdown();
                assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
            long batches = store.stats().batches();
            long commits = store.stats().commits();
            System.out.printf("group commit: %d batches in %d commits (%.1f per sync)%n", batches, commits,
                    (double) batches / commits);
            assertThat(batches).isEqualTo(threads * (perThread + 1L));
            assertThat(commits).isLessThan(batches / 2);
        }
        List<Long> expected = new ArrayList<>();
        for (long s = 0; s < perThread; s++) {
            expected.add(s);
        }
        for (List<Long> order : completed) {
            assertThat(order).isEqualTo(expected);
        }
        try (RocksDbPersistence store = Samples.open(dir)) {
            RecoveredState state = store.recover();
            assertThat(state.sessions()).hasSize(threads);
            for (RecoveredSession r : state.sessions()) {
                assertThat(r.queued()).extracting(QueuedDelivery::sequence).isEqualTo(expected);
            }
        }
    }

    @Test
    void anEmptyBatchWaitsForItsOwnersEarlierOnes() throws Exception {
        try (RocksDbPersistence store = RocksDbPersistence.open(dir, Samples.options().withBuckets(1))) {
            store.recover();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> full = store.write(store.batch("p").putRetained(message("t", "x")), null)
                    .thenRun(() -> order.add("full"));
            CompletableFuture<Void> empty = store.write(store.batch("p"), null).thenRun(() -> order.add("empty"));
            CompletableFuture.allOf(full, empty).get(10, TimeUnit.SECONDS);
            assertThat(order).containsExactly("full", "empty");
        }
    }

    @Test
    void aFullQueueFailsTheWriteAtOnceInsteadOfBlocking() throws Exception {
        PersistenceOptions tiny = Samples.options().withBuckets(1).withMaxPending(2, 1 << 20).withLinger(0);
        try (RocksDbPersistence store = RocksDbPersistence.open(dir, tiny)) {
            store.recover();
            // Hold the writer: it completes the first batch through an executor that waits, on the writer thread.
            CountDownLatch writerHeld = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Executor holding = task -> {
                writerHeld.countDown();
                awaitQuietly(release);
                task.run();
            };
            CompletableFuture<Void> first = store.write(store.batch("c").putSession(session("c")), holding);
            assertThat(writerHeld.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> second = store.write(store.batch("c").putInboundQos2("c", 1), null);
            CompletableFuture<Void> third = store.write(store.batch("c").putInboundQos2("c", 2), null);
            long start = System.nanoTime();
            CompletableFuture<Void> refused = store.write(store.batch("c").putInboundQos2("c", 3), null);
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));

            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::join).cause().isInstanceOf(StoreOverloadedException.class)
                    .hasMessageContaining("is behind");
            assertThat(store.stats().rejected()).isEqualTo(1);
            release.countDown();
            CompletableFuture.allOf(first, second, third).get(10, TimeUnit.SECONDS);
        }
        try (RocksDbPersistence store = Samples.open(dir)) {
            assertThat(store.recover().sessions().get(0).inboundQos2()).containsExactly(1, 2);
        }
    }

    @Test
    void closeWritesWhatWasQueuedBeforeIt() throws Exception {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        try (RocksDbPersistence store = Samples.open(dir)) {
            store.recover();
            for (int i = 0; i < 1000; i++) {
                futures.add(store.write(store.batch("c" + (i % 7)).putRetained(message("t/" + i, "x")), null));
            }
        }
        for (CompletableFuture<Void> f : futures) {
            assertThat(f).isCompleted();
            assertThat(f).isNotCompletedExceptionally();
        }
        try (RocksDbPersistence store = Samples.open(dir)) {
            assertThat(store.recover().retained()).hasSize(1000);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
