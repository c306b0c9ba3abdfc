package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.session;
import static io.midge.broker.persistence.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle store costs no wake-ups: its writers wait for a batch without a timeout (a writer that polled on a timer
 * woke 50 times a second), and still take a batch at once and stop at once.
 */
class IdleWritersTest {
    private static final long NOW = 1_800_000_000_000L;

    @TempDir
    Path dir;

    @Test
    @DisplayName("Idle store writers wait without a timeout, write what arrives, and end when the store closes")
    void idleWritersWaitWithoutATimeout() {
        Set<Thread> before = writers();
        RocksDbPersistence store = Samples.open(dir);
        List<Thread> ours;
        try {
            store.recover(NOW);
            ours = writers().stream().filter(t -> !before.contains(t)).toList();
            assertThat(ours).hasSize(Samples.options().buckets());
            // Parked in take(): WAITING; a poll with a timeout would show TIMED_WAITING.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ours.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
            write(store, store.batch("dev-1").putSession(session("dev-1")));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ours.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        } finally {
            store.close();
        }
        assertThat(ours).as("close() ends the writers it woke").noneMatch(Thread::isAlive);
    }

    private static Set<Thread> writers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("midge-store-writer-")).collect(Collectors.toSet());
    }
}
