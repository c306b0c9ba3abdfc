package io.midge.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * The packet identifiers in use and what waits on each: a QoS 1/2 publish until its PUBACK or PUBCOMP, a SUBSCRIBE
 * or UNSUBSCRIBE until its acknowledgement. Identifiers are handed out in rising order, wrapping after 65535 and
 * skipping those still in use; the entries keep their order, so publishes are resent in the order they were sent.
 * Confined to the client's event loop.
 *
 * @param <T> what waits on an identifier
 */
final class InflightTracker<T> {
    private final LinkedHashMap<Integer, T> entries = new LinkedHashMap<>();
    private int next = 1;

    /** Whether every identifier is in use. */
    boolean full() {
        return entries.size() >= 0xFFFF;
    }

    /** Takes a free identifier for {@code entry}; check {@link #full()} first. */
    int add(T entry) {
        if (full()) {
            throw new IllegalStateException("all 65535 packet identifiers are in use");
        }
        while (entries.containsKey(next)) {
            next = next == 0xFFFF ? 1 : next + 1;
        }
        int id = next;
        next = next == 0xFFFF ? 1 : next + 1;
        entries.put(id, entry);
        return id;
    }

    /** Puts back an entry under a known identifier (a resumed session). */
    void put(int id, T entry) {
        entries.put(id, entry);
    }

    T get(int id) {
        return entries.get(id);
    }

    T remove(int id) {
        return entries.remove(id);
    }

    int size() {
        return entries.size();
    }

    /** Removes and returns, in order, the entries that match. */
    List<T> removeIf(Predicate<T> which) {
        List<T> removed = new ArrayList<>();
        Iterator<T> it = entries.values().iterator();
        while (it.hasNext()) {
            T entry = it.next();
            if (which.test(entry)) {
                removed.add(entry);
                it.remove();
            }
        }
        return removed;
    }

    /** The entries, in the order they were added. */
    Iterable<java.util.Map.Entry<Integer, T>> entries() {
        return new ArrayList<>(entries.entrySet());
    }
}
