package io.midge.broker.persistence;

import io.midge.broker.testing.Threads;
import io.midge.codec.property.MqttProperties;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link CrashTest}: writes publish-like batches with sync ALWAYS from several threads, and
 * prints "ACK thread sequence" for each one once its write completed, until it is killed.
 *
 * <p>Each batch of writer thread {@code t} at sequence {@code s} holds what a QoS 2 PUBLISH with three persistent
 * subscribers changes: the publisher's inbound packet identifier, one queued delivery for each of
 * {@code t<t>-s0..s2} at sequence {@code s}, and the retained message of {@code r/<t>/<s % 50>} with {@code s} as
 * its payload.
 */
public final class CrashWriter {
    static final int SUBSCRIBERS = 3;
    static final int RETAINED_TOPICS = 50;

    private CrashWriter() {
    }

    static String publisher(int thread) {
        return "w" + thread;
    }

    static String subscriber(int thread, int n) {
        return "t" + thread + "-s" + n;
    }

    static String retainedTopic(int thread, long sequence) {
        return "r/" + thread + "/" + (sequence % RETAINED_TOPICS);
    }

    static int packetId(long sequence) {
        return (int) (sequence % 65535) + 1;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long base = Long.parseLong(args[1]);
        int threads = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        ExecutorService printer = Executors.newSingleThreadExecutor();
        RocksDbPersistence store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        store.recover();
        StoreBatch sessions = store.batch(null);
        for (int t = 0; t < threads; t++) {
            sessions.putSession(Samples.session(publisher(t)));
            for (int n = 0; n < SUBSCRIBERS; n++) {
                sessions.putSession(Samples.session(subscriber(t, n)));
            }
        }
        store.write(sessions, null).join();
        out.println("READY");
        out.flush();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Threads.start(() -> {
                Semaphore window = new Semaphore(32); // like a publisher's Receive Maximum
                for (long s = base; ; s++) {
                    window.acquireUninterruptibly();
                    long sequence = s;
                    StoredMessage m = new StoredMessage("data/" + thread, 2, true,
                            Long.toString(sequence).getBytes(StandardCharsets.UTF_8), MqttProperties.EMPTY,
                            StoredMessage.NEVER, publisher(thread));
                    StoreBatch b = store.batch(publisher(thread)).putInboundQos2(publisher(thread), packetId(sequence));
                    for (int n = 0; n < SUBSCRIBERS; n++) {
                        b.appendQueued(subscriber(thread, n), sequence, Samples.delivery(m));
                    }
                    b.putRetained(new StoredMessage(retainedTopic(thread, sequence), 1, true, m.payload(),
                            MqttProperties.EMPTY, StoredMessage.NEVER, publisher(thread)));
                    store.write(b, printer).whenComplete((ok, failure) -> {
                        window.release();
                        if (failure == null) {
                            out.println("ACK " + thread + " " + sequence);
                            out.flush();
                        }
                    });
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
