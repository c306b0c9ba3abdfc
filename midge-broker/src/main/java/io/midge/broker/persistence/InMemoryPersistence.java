package io.midge.broker.persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * No store at all, for {@code --in-memory}: every write completes at once, on the caller's thread, and a restart
 * starts empty. The broker keeps its live state in memory either way; this only makes the durable path free.
 */
public final class InMemoryPersistence implements Persistence {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public StoreBatch batch(String owner) {
        return new DiscardingBatch(owner);
    }

    /**
     * Completes at once, so that what depends on the write runs right away on the caller's loop, in order. The
     * future is shared: callers chain on it and never complete it themselves.
     */
    @Override
    public CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        return DONE;
    }

    @Override
    public RecoveredState recover() {
        return RecoveredState.EMPTY;
    }

    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public void close() {
    }

    /** Accepts every change and keeps none; encoding them would be work for nothing. */
    private record DiscardingBatch(String owner) implements StoreBatch {
        @Override
        public boolean isEmpty() {
            return true;
        }

        @Override
        public StoreBatch addAll(StoreBatch other) {
            return this;
        }

        @Override
        public StoreBatch putSession(StoredSession session) {
            return this;
        }

        @Override
        public StoreBatch removeSession(String clientId) {
            return this;
        }

        @Override
        public StoreBatch putSubscription(String clientId, String filter, StoredSubscription options) {
            return this;
        }

        @Override
        public StoreBatch removeSubscription(String clientId, String filter) {
            return this;
        }

        @Override
        public StoreBatch appendQueued(String clientId, long sequence, StoredDelivery delivery) {
            return this;
        }

        @Override
        public StoreBatch removeQueued(String clientId, long sequence) {
            return this;
        }

        @Override
        public StoreBatch removeQueued(String clientId, long first, long last) {
            return this;
        }

        @Override
        public StoreBatch putInflight(String clientId, int packetId, long sequence, InflightState state) {
            return this;
        }

        @Override
        public StoreBatch removeInflight(String clientId, int packetId) {
            return this;
        }

        @Override
        public StoreBatch putInboundQos2(String clientId, int packetId) {
            return this;
        }

        @Override
        public StoreBatch removeInboundQos2(String clientId, int packetId) {
            return this;
        }

        @Override
        public StoreBatch putMovedCopies(String clientId, StoredMovedCopies copies) {
            return this;
        }

        @Override
        public StoreBatch putRetained(StoredMessage message) {
            return this;
        }

        @Override
        public StoreBatch removeRetained(String topic) {
            return this;
        }

        @Override
        public StoreBatch putWill(StoredWill will) {
            return this;
        }

        @Override
        public StoreBatch removeWill(String clientId) {
            return this;
        }
    }
}
