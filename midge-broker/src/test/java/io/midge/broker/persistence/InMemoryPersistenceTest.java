package io.midge.broker.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class InMemoryPersistenceTest {

    @Test
    void writesCompleteAtOnceOnTheCallersThreadAndNothingComesBack() {
        try (InMemoryPersistence store = new InMemoryPersistence()) {
            Executor neverUsed = task -> {
                throw new AssertionError("the in-memory store completes at once, on the caller's thread");
            };
            StoreBatch b = store.batch("c").putSession(Samples.session("c"))
                    .appendQueued("c", 1, Samples.delivery(Samples.message("t", "x")))
                    .putRetained(Samples.message("t", "x"));
            CompletableFuture<Void> written = store.write(b, neverUsed);
            Thread caller = Thread.currentThread();
            Thread[] ranOn = new Thread[1];
            written.thenRun(() -> ranOn[0] = Thread.currentThread());

            assertThat(written).isCompleted();
            assertThat(ranOn[0]).isSameAs(caller);
            assertThat(b.isEmpty()).isTrue();
            assertThat(store.isDurable()).isFalse();
            assertThat(store.recover()).isEqualTo(RecoveredState.EMPTY);
        }
    }
}
