package io.midge.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the client keeps its QoS 1 and 2 publishes until the broker acknowledged them, and how many publishes it
 * holds at most while they wait for a connection (or for the broker's Receive Maximum): {@link #capacity()}. A
 * publish beyond it fails at once with {@link MqttClientException} rather than growing the heap.
 *
 * <p>{@link #inMemory(int)} keeps them for the life of the client object. {@link #inDirectory(Path, int)} writes
 * each QoS 1/2 message to its own file, synced to the disk before {@code publish} returns, and deletes it on
 * PUBACK/PUBCOMP; a new client on the same directory sends what an earlier one left, so they survive a restart of
 * the process. One client per directory at a time.
 */
public interface OfflineBuffer extends AutoCloseable {

    /** A buffer in memory holding up to {@code capacity} waiting publishes. */
    static OfflineBuffer inMemory(int capacity) {
        return new MemoryOfflineBuffer(capacity);
    }

    /** A buffer whose QoS 1/2 messages live in files in {@code directory} (created when absent). */
    static OfflineBuffer inDirectory(Path directory, int capacity) throws IOException {
        return new FileOfflineBuffer(directory, capacity);
    }

    /** A message kept by the buffer, under the identifier it was stored with. */
    record Stored(long id, OutgoingMessage message) {
    }

    /** How many publishes may wait to be sent, at most. */
    int capacity();

    /**
     * Keeps a QoS 1/2 message until {@link #remove}; returns its identifier. Called on the publishing thread, so a
     * durable buffer has the message on disk before {@code publish} returns.
     */
    long store(OutgoingMessage message) throws IOException;

    /** Forgets a message the broker acknowledged. Called on the client's event loop: must not block for long. */
    void remove(long id);

    /** The messages a previous client left, oldest first (empty for a buffer in memory). */
    List<Stored> recover() throws IOException;

    /** Releases the buffer's resources; the stored messages stay where they are. */
    @Override
    void close();
}
