package io.midge.client;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The offline buffer in memory: the client's own queues hold the messages, so this only hands out identifiers. */
final class MemoryOfflineBuffer implements OfflineBuffer {
    private final int capacity;
    private final AtomicLong ids = new AtomicLong();

    MemoryOfflineBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long store(OutgoingMessage message) {
        return ids.incrementAndGet();
    }

    @Override
    public void remove(long id) {
    }

    @Override
    public List<Stored> recover() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
