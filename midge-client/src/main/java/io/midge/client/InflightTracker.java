package io.midge.client;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The packet identifiers in use and what waits on each: a QoS 1/2 publish until its PUBACK or PUBCOMP, a SUBSCRIBE
 * or UNSUBSCRIBE until its acknowledgement. Identifiers are handed out in rising order, wrapping after 65535 and
 * skipping those still in use. A table indexed by identifier (no boxing, no hashing on the publish path) that grows
 * with the number in flight: identifiers cycle through the table's size, which doubles only when it is full, so a
 * client that never has more than a few in flight keeps a small table. Each entry keeps the order it was added in,
 * so publishes are resent in the order they were first sent. Confined to the client's event loop.
 *
 * @param <T> what waits on an identifier
 */
final class InflightTracker<T> {
    private static final int IDS = 0xFFFF;
    private Object[] entries = new Object[65];
    private long[] order = new long[65];
    private long added;
    private int size;
    private int next = 1;

    /** Whether every identifier is in use. */
    boolean full() {
        return size >= IDS;
    }

    /** Takes a free identifier for {@code entry}; check {@link #full()} first. */
    int add(T entry) {
        if (full()) {
            throw new IllegalStateException("all 65535 packet identifiers are in use");
        }
        int limit = entries.length - 1;
        if (size >= limit) {
            int grown = Math.min(IDS, limit * 2) + 1;
            entries = java.util.Arrays.copyOf(entries, grown);
            order = java.util.Arrays.copyOf(order, grown);
            next = limit + 1;
            limit = grown - 1;
        }
        while (entries[next] != null) {
            next = next >= limit ? 1 : next + 1;
        }
        int id = next;
        next = next >= limit ? 1 : next + 1;
        entries[id] = entry;
        order[id] = added++;
        size++;
        return id;
    }

    @SuppressWarnings("unchecked")
    T get(int id) {
        return id < entries.length ? (T) entries[id] : null;
    }

    @SuppressWarnings("unchecked")
    T remove(int id) {
        if (id >= entries.length) {
            return null;
        }
        T entry = (T) entries[id];
        if (entry != null) {
            entries[id] = null;
            size--;
        }
        return entry;
    }

    int size() {
        return size;
    }

    /** One identifier in use and its entry. */
    record Entry<T>(int id, T value) {
    }

    /** The entries, in the order they were added (a walk of the whole table: for reconnects, not the hot path). */
    @SuppressWarnings("unchecked")
    List<Entry<T>> entries() {
        List<Entry<T>> result = new ArrayList<>(size);
        if (size == 0) {
            return result;
        }
        for (int id = 1; id < entries.length; id++) {
            if (entries[id] != null) {
                result.add(new Entry<>(id, (T) entries[id]));
            }
        }
        result.sort(Comparator.comparingLong(e -> order[e.id()]));
        return result;
    }

    /** Removes and returns, in order, the entries that match. */
    List<T> removeIf(Predicate<T> which) {
        List<T> removed = new ArrayList<>();
        for (Entry<T> e : entries()) {
            if (which.test(e.value())) {
                removed.add(e.value());
                remove(e.id());
            }
        }
        return removed;
    }
}
