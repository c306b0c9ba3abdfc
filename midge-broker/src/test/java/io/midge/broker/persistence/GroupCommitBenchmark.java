package io.midge.broker.persistence;

import io.midge.broker.testing.Threads;
import io.midge.codec.property.MqttProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A quick measure of group commit, not a test: {@code publishers} clients, each with up to {@code window}
 * unacknowledged QoS 1 publishes (like a Receive Maximum), each publish one batch that queues a 100-byte message
 * for one persistent subscriber. Completions run on two single-thread executors standing in for event loops.
 *
 * <pre>java -cp ... io.midge.broker.persistence.GroupCommitBenchmark [publishers] [window] [seconds] [policy]
 *     [lingerMicros] [buckets]</pre>
 */
public final class GroupCommitBenchmark {
    private GroupCommitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int publishers = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        SyncPolicy policy = args.length > 3 ? SyncPolicy.valueOf(args[3]) : SyncPolicy.ALWAYS;
        long linger = args.length > 4 ? Long.parseLong(args[4]) : PersistenceOptions.defaults().lingerMicros();
        int buckets = args.length > 5 ? Integer.parseInt(args[5]) : PersistenceOptions.defaults().buckets();
        Path dir = Files.createTempDirectory("midge-bench");
        ExecutorService[] loops = {Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor()};
        LongAdder done = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        byte[] payload = new byte[100];
        try (RocksDbPersistence store = RocksDbPersistence.open(dir, PersistenceOptions.defaults()
                .withSyncPolicy(policy).withLinger(linger).withBuckets(buckets))) {
            store.recover();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                String publisher = "pub-" + p;
                String subscriber = "sub-" + p;
                ExecutorService loop = loops[p % loops.length];
                threads.add(Threads.startDaemon(() -> {
                    Semaphore inflight = new Semaphore(window);
                    for (long seq = 0; running.get(); seq++) {
                        inflight.acquireUninterruptibly();
                        StoredMessage m = new StoredMessage("bench/" + publisher, 1, false, payload,
                                MqttProperties.EMPTY, StoredMessage.NEVER, publisher);
                        StoreBatch b = store.batch(publisher).appendQueued(subscriber, seq, Samples.delivery(m));
                        store.write(b, loop).whenComplete((ok, failure) -> {
                            done.increment();
                            inflight.release();
                        });
                    }
                }));
            }
            Thread.sleep(1000); // warm up
            long batches0 = done.sum();
            long commits0 = store.stats().commits();
            long syncs0 = store.stats().syncs();
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double elapsed = (System.nanoTime() - start) / 1e9;
            long batches = done.sum() - batches0;
            long commits = store.stats().commits() - commits0;
            long syncs = store.stats().syncs() - syncs0;
            running.set(false);
            System.out.printf("%s, %d publishers x window %d, %d buckets, linger %d us: %.0f batches/s, "
                            + "%.0f commits/s, %.0f syncs/s, %.1f batches per sync%n", policy, publishers,
                    window, buckets, linger, batches / elapsed, commits / elapsed, syncs / elapsed,
                    (double) batches / Math.max(1, syncs));
        } finally {
            for (ExecutorService loop : loops) {
                loop.shutdownNow();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
