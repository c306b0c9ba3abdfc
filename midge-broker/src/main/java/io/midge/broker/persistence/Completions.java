package io.midge.broker.persistence;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Completes the futures of written batches, one task per executor: an event loop is woken once per commit (or per
 * sync of the log), not once per batch. A future without an executor completes at once, on the calling thread.
 */
final class Completions {
    private record Outcome(CompletableFuture<Void> future, PersistenceException failure) {
    }

    private final Map<Executor, List<Outcome>> byExecutor = new IdentityHashMap<>();

    /** Completes {@code future} (with {@code failure}, when not null) now or, with an executor, at {@link #run}. */
    void add(CompletableFuture<Void> future, Executor completeOn, PersistenceException failure) {
        if (completeOn == null) {
            finish(future, failure);
        } else {
            byExecutor.computeIfAbsent(completeOn, e -> new ArrayList<>()).add(new Outcome(future, failure));
        }
    }

    /** Hands each executor its futures, in the order they were added. */
    void run() {
        for (Map.Entry<Executor, List<Outcome>> e : byExecutor.entrySet()) {
            List<Outcome> outcomes = e.getValue();
            Runnable task = () -> outcomes.forEach(o -> finish(o.future, o.failure));
            try {
                e.getKey().execute(task);
            } catch (RejectedExecutionException rejected) {
                // The loop is shutting down; what waits on it will not run anyway, but nobody hangs on a future.
                task.run();
            }
        }
        byExecutor.clear();
    }

    private static void finish(CompletableFuture<Void> future, PersistenceException failure) {
        if (failure == null) {
            future.complete(null);
        } else {
            future.completeExceptionally(failure);
        }
    }
}
