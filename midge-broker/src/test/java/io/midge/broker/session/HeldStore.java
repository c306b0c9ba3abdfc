package io.midge.broker.session;

import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.RecoveredState;
import io.midge.broker.persistence.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A store whose writes complete only when the test says so, to see what a session holds back until its records are
 * written. Its batches keep nothing.
 */
final class HeldStore implements Persistence {
    private final Persistence batches = new InMemoryPersistence();
    private final List<Runnable> held = new ArrayList<>();

    @Override
    public StoreBatch batch(String owner) {
        return batches.batch(owner);
    }

    @Override
    public CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        held.add(() -> completeOn.execute(() -> written.complete(null)));
        return written;
    }

    /** Writes held so far. */
    int held() {
        return held.size();
    }

    /** Completes the writes held so far, in order (those they cause stay held). */
    void completeAll() {
        List<Runnable> now = new ArrayList<>(held);
        held.clear();
        now.forEach(Runnable::run);
    }

    @Override
    public RecoveredState recover() {
        return RecoveredState.EMPTY;
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public void close() {
    }
}
