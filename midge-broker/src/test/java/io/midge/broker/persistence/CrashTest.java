package io.midge.broker.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.testing.Threads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 at the store level: a child JVM ({@link CrashWriter}) writes publish batches with sync ALWAYS and prints
 * each acknowledged one; the test kills it mid-stream, restores the store, and checks that every acknowledged
 * batch is there, whole. Three rounds on the same directory, each continuing where the last one was killed.
 */
class CrashTest {
    private static final int THREADS = 3;
    private static final int ROUNDS = 3;

    @TempDir
    Path temp;

    /** Acknowledged sequences by writer thread, over all rounds. */
    private final Map<Integer, Set<Long>> acked = new HashMap<>();
    /** The last acknowledged sequence of each retained topic, in the round that last wrote it. */
    private final Map<String, Long> lastRetained = new HashMap<>();

    @Test
    void everyAcknowledgedBatchSurvivesKillNine() throws Exception {
        Path dir = temp.resolve("data");
        for (int t = 0; t < THREADS; t++) {
            acked.put(t, new TreeSet<>());
        }
        for (int round = 0; round < ROUNDS; round++) {
            long base = round * 10_000_000L;
            Map<Integer, Set<Long>> roundAcks = runAndKill(dir, base, round == 0);
            int count = 0;
            for (var e : roundAcks.entrySet()) {
                acked.get(e.getKey()).addAll(e.getValue());
                count += e.getValue().size();
                for (long s : e.getValue()) {
                    lastRetained.merge(CrashWriter.retainedTopic(e.getKey(), s), s, Math::max);
                }
            }
            System.out.printf("crash round %d: %d batches acknowledged before SIGKILL%n", round + 1, count);
            assertThat(count).isPositive();
            verify(dir);
        }
    }

    private Map<Integer, Set<Long>> runAndKill(Path dir, long base, boolean tryASecondOpen) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = temp.resolve("child-" + base + ".err");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                dir.toString(), Long.toString(base), Integer.toString(THREADS))
                .redirectError(stderr.toFile());
        Process child = pb.start();
        Map<Integer, Set<Long>> acks = new ConcurrentHashMap<>();
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch enough = new CountDownLatch(500);
        Thread reader = Threads.start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    }
                    String[] parts = line.split(" ");
                    if (parts.length == 3 && parts[0].equals("ACK")) {
                        acks.computeIfAbsent(Integer.parseInt(parts[1]), t -> ConcurrentHashMap.newKeySet())
                                .add(Long.parseLong(parts[2]));
                        enough.countDown();
                    }
                }
            } catch (IOException e) {
                // The child died; what was read is what counts.
            }
        });
        try {
            assertThat(ready.await(20, TimeUnit.SECONDS)).as("child ready; its stderr: %s", errors(stderr))
                    .isTrue();
            if (tryASecondOpen) {
                // Another process holds the directory: a second broker must not open it.
                assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                        .hasMessageContaining("already in use by another broker");
            }
            assertThat(enough.await(20, TimeUnit.SECONDS)).as("child acknowledged; its stderr: %s", errors(stderr))
                    .isTrue();
            Thread.sleep(ThreadLocalRandom.current().nextInt(50, 400)); // somewhere mid-stream
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
        }
        return acks;
    }

    private void verify(Path dir) {
        try (RocksDbPersistence store = Samples.open(dir)) {
            RecoveredState state = store.recover();
            Map<String, RecoveredSession> sessions = new HashMap<>();
            for (RecoveredSession r : state.sessions()) {
                sessions.put(r.clientId(), r);
            }
            for (int t = 0; t < THREADS; t++) {
                List<Set<Long>> queues = new ArrayList<>();
                for (int n = 0; n < CrashWriter.SUBSCRIBERS; n++) {
                    RecoveredSession r = sessions.get(CrashWriter.subscriber(t, n));
                    assertThat(r).as("session of subscriber %d of thread %d", n, t).isNotNull();
                    Set<Long> sequences = new TreeSet<>();
                    for (QueuedDelivery q : r.queued()) {
                        sequences.add(q.sequence());
                        assertThat(new String(q.delivery().message().payload(), StandardCharsets.UTF_8))
                                .isEqualTo(Long.toString(q.sequence()));
                    }
                    assertThat(sequences).as("queue of %s", r.clientId()).containsAll(acked.get(t));
                    queues.add(sequences);
                }
                // All or nothing: a batch reached all three queues or none.
                assertThat(queues.get(1)).isEqualTo(queues.get(0));
                assertThat(queues.get(2)).isEqualTo(queues.get(0));
                int[] inbound = sessions.get(CrashWriter.publisher(t)).inboundQos2();
                Set<Integer> inboundIds = new TreeSet<>();
                for (int id : inbound) {
                    inboundIds.add(id);
                }
                for (long s : acked.get(t)) {
                    assertThat(inboundIds).contains(CrashWriter.packetId(s));
                }
            }
            Map<String, Long> retained = new HashMap<>();
            for (StoredMessage m : state.retained()) {
                retained.put(m.topic(), Long.parseLong(new String(m.payload(), StandardCharsets.UTF_8)));
            }
            for (var e : lastRetained.entrySet()) {
                // Writes of one thread are ordered: the stored value is the last acknowledged one or a later one.
                assertThat(retained.get(e.getKey())).as("retained %s", e.getKey()).isGreaterThanOrEqualTo(e.getValue());
            }
        }
    }

    private static String errors(Path stderr) {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
