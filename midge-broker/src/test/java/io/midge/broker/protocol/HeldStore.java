package io.midge.broker.protocol;

import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.RecoveredState;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoreOverloadedException;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.persistence.StoredMovedCopies;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.persistence.StoredWill;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A durable store whose writes complete only when the test says so, to see what the protocol holds back until its
 * batch is written (an acknowledgement, a CONNACK, a delivery) and what it answers when a write fails. Its batches
 * record their changes as text, so that a test can see what was written, and keep nothing else.
 */
final class HeldStore implements Persistence {
    private record Held(List<String> changes, CompletableFuture<Void> future, Executor completeOn) {
    }

    private final List<Held> held = new ArrayList<>();
    /** Set: QoS 1 publishes go to their subscribers before their batch is written (see Persistence). */
    boolean deliversEarly;
    /** Set: the next writes fail at once, as a writer whose queue is full fails them. */
    boolean overloaded;

    @Override
    public StoreBatch batch(String owner) {
        return new RecordingBatch(owner);
    }

    @Override
    public CompletableFuture<Void> write(StoreBatch batch, Executor completeOn) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (overloaded) {
            future.completeExceptionally(new StoreOverloadedException("the writer's queue is full"));
            return future;
        }
        held.add(new Held(List.copyOf(((RecordingBatch) batch).changes), future, completeOn));
        return future;
    }

    /** The changes of the writes held now, in the order written. */
    List<String> heldChanges() {
        List<String> changes = new ArrayList<>();
        held.forEach(h -> changes.addAll(h.changes()));
        return changes;
    }

    int held() {
        return held.size();
    }

    /** Completes the writes held so far, in order, on the executors they asked for (the writes they cause stay held). */
    void completeAll() {
        finish(null);
    }

    /** Fails the writes held so far, in order. */
    void failAll(RuntimeException error) {
        finish(error);
    }

    private void finish(RuntimeException error) {
        List<Held> now = new ArrayList<>(held);
        held.clear();
        for (Held h : now) {
            Runnable complete = () -> {
                if (error == null) {
                    h.future().complete(null);
                } else {
                    h.future().completeExceptionally(error);
                }
            };
            if (h.completeOn() == null) {
                complete.run();
            } else {
                h.completeOn().execute(complete);
            }
        }
    }

    @Override
    public RecoveredState recover() {
        return RecoveredState.EMPTY;
    }

    @Override
    public boolean deliversBeforeDurable() {
        return deliversEarly;
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public void close() {
        finish(null); // what is still held is written at close, as a real store drains its queue
    }

    /** A batch that records each change as "change client detail". */
    private static final class RecordingBatch implements StoreBatch {
        private final String owner;
        private final List<String> changes = new ArrayList<>();

        RecordingBatch(String owner) {
            this.owner = owner;
        }

        private StoreBatch add(String change) {
            changes.add(change);
            return this;
        }

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public boolean isEmpty() {
            return changes.isEmpty();
        }

        @Override
        public StoreBatch addAll(StoreBatch other) {
            changes.addAll(((RecordingBatch) other).changes);
            return this;
        }

        @Override
        public StoreBatch putSession(StoredSession session) {
            return add("putSession " + session.clientId());
        }

        @Override
        public StoreBatch removeSession(String clientId) {
            return add("removeSession " + clientId);
        }

        @Override
        public StoreBatch putSubscription(String clientId, String filter, StoredSubscription options) {
            return add("putSubscription " + clientId + " " + filter);
        }

        @Override
        public StoreBatch removeSubscription(String clientId, String filter) {
            return add("removeSubscription " + clientId + " " + filter);
        }

        @Override
        public StoreBatch appendQueued(String clientId, long sequence, StoredDelivery delivery) {
            return add("appendQueued " + clientId);
        }

        @Override
        public StoreBatch removeQueued(String clientId, long sequence) {
            return add("removeQueued " + clientId);
        }

        @Override
        public StoreBatch removeQueued(String clientId, long first, long last) {
            return add("removeQueued " + clientId + " " + first + ".." + last);
        }

        @Override
        public StoreBatch putInflight(String clientId, int packetId, long sequence, InflightState state) {
            return add("putInflight " + clientId + " " + packetId);
        }

        @Override
        public StoreBatch removeInflight(String clientId, int packetId) {
            return add("removeInflight " + clientId + " " + packetId);
        }

        @Override
        public StoreBatch putInboundQos2(String clientId, int packetId) {
            return add("putInboundQos2 " + clientId + " " + packetId);
        }

        @Override
        public StoreBatch removeInboundQos2(String clientId, int packetId) {
            return add("removeInboundQos2 " + clientId + " " + packetId);
        }

        @Override
        public StoreBatch putMovedCopies(String clientId, StoredMovedCopies copies) {
            return add("putMovedCopies " + clientId + " " + copies.appliedTails());
        }

        @Override
        public StoreBatch putRetained(StoredMessage message) {
            return add("putRetained " + message.topic());
        }

        @Override
        public StoreBatch removeRetained(String topic) {
            return add("removeRetained " + topic);
        }

        @Override
        public StoreBatch putWill(StoredWill will) {
            return add("putWill " + will.clientId());
        }

        @Override
        public StoreBatch removeWill(String clientId) {
            return add("removeWill " + clientId);
        }
    }
}
