package io.midge.broker.persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What the broker keeps across restarts: persistent sessions with their subscriptions, queues and in-flight
 * state, inbound QoS 2 identifiers, retained messages and delayed wills.
 *
 * <p>Writes are asynchronous and never block the caller: {@link #write} queues a batch for a writer thread and
 * returns a future that completes, on the executor given, once the batch is durable as the sync policy has it. A
 * broker sends PUBACK, PUBREC or CONNACK from that completion, on its event loop.
 *
 * <p>Order: batches of one owner (see {@link #batch}) are written and completed in the order they were written.
 * Batches of different owners go to different writers and may overtake each other; a caller that changes a key
 * another owner's batch wrote must wait for that batch's future first (as the broker does when it hands a message
 * to subscribers only once the publisher's batch is durable).
 *
 * <p>Use: open, {@link #recover()} once before the first write, write, {@link #close()}.
 */
public interface Persistence extends AutoCloseable {

    /**
     * A new, empty batch. {@code owner} is the client whose order it keeps (usually the one whose packet caused
     * it: the publisher of a PUBLISH, the subscriber of a PUBACK); it also picks the writer.
     */
    StoreBatch batch(String owner);

    /**
     * Writes the batch as one atomic unit. The future completes on {@code completeOn} (an event loop, usually;
     * null completes it on the writer thread, which then must not be kept waiting), normally once durable;
     * exceptionally with {@link StoreOverloadedException} at once when the writer's queue is full, or with
     * {@link PersistenceException} when the write failed or the store is closed. Never blocks.
     *
     * <p>A failed write leaves nothing of its batch, and the store takes no write after it (RocksDB stops on a
     * write error): the broker cannot acknowledge anything durable any more and should stop; a restart restores
     * everything acknowledged before the failure.
     */
    CompletableFuture<Void> write(StoreBatch batch, Executor completeOn);

    /**
     * Completes once every batch written before this call is durable and its future was completed or handed to its
     * executor (a cluster node moving a session waits so for the messages routed before a route changed). A store
     * that writes nothing completes at once.
     */
    default CompletableFuture<Void> barrier() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Reads everything back, dropping (and deleting) expired sessions and messages. Blocks: call it once at start,
     * before the first write, not on an event loop.
     */
    RecoveredState recover();

    /**
     * Whether a QoS 1 publish may go to its subscribers before its batch is durable, its batch made
     * {@link StoreBatch#cancellableQueued}: its PUBACK still waits for the batch, which completes once every queue
     * entry in it is written or was acknowledged (and so cancelled) before. True only for a store that can cancel
     * and that keeps one order for all its writes (one writer), so that a removal written later lands after the put.
     */
    default boolean deliversBeforeDurable() {
        return false;
    }

    /** Whether writes reach a disk; false for the in-memory mode, where the broker may skip building batches. */
    boolean isDurable();

    /** Writes what was submitted, then closes. Idempotent. */
    @Override
    void close();
}
