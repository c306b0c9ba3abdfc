package io.midge.broker.session;

import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hash map's entries in the order of their keys, brought up to date when read, from the keys that changed since,
 * rather than at every change: the session registry's sessions by client identifier, for the management API's pages
 * (a prefix is a sub-map, a cursor the last identifier shown).
 *
 * <p>Why: the registry itself is a hash map. Keeping a sorted map exact at every connect and disconnect cost two walks
 * of a skip list each time (O(log n) string comparisons, most of them cache misses), about 9% of the broker's CPU per
 * connect and disconnect, for an order that only the API reads. Here a connect or a close costs one queue entry; a
 * session that comes and goes between two reads never enters the sorted map at all, and one that stays enters it once.
 * The changes kept between two reads are bounded ({@link #MAX_CHANGES}): past it they are dropped and the next read
 * sorts the registry afresh.
 *
 * <p>Threads: {@link #changed} from any thread, after the registry's map changed; {@link #sorted} from any thread
 * (one at a time brings it up to date); the map it returns may be walked while it changes (a skip list), and is at
 * most a moment old.
 */
final class SortedView<V> {
    /**
     * Changes kept at most between two reads: at most some 600 KB (a queue entry, and the identifier of a session
     * that ended since), whatever the number of sessions; past it, the next read sorts the whole map afresh.
     */
    static final int MAX_CHANGES = 8_192;

    private final Map<String, V> sessions;
    private final ConcurrentSkipListMap<String, V> sorted = new ConcurrentSkipListMap<>();
    private final NavigableMap<String, V> view = Collections.unmodifiableNavigableMap(sorted);
    /** Client identifiers whose session came or went since the last read (an identifier may be here many times). */
    private final ConcurrentLinkedQueue<String> changed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    /** Too many changes waited: they were dropped, and the next read sorts every session afresh. */
    private volatile boolean resort;

    /** {@code map}: the map whose entries this sorts (a concurrent one), which says what is there. */
    SortedView(Map<String, V> map) {
        this.sessions = map;
    }

    /** The entry of {@code clientId} came, went or was replaced: call after the map changed. */
    void changed(String clientId) {
        if (resort) {
            return; // the next read sorts everything anyway
        }
        if (waiting.incrementAndGet() > MAX_CHANGES) {
            resort = true;
            return;
        }
        changed.offer(clientId);
    }

    /** Every entry in order, brought up to date now: read-only, safe to walk from any thread. */
    NavigableMap<String, V> sorted() {
        catchUp();
        return view;
    }

    private synchronized void catchUp() {
        if (resort) {
            // In this order: a change after the flag is cleared is queued again; one before it is in the map walked.
            changed.clear();
            waiting.set(0);
            resort = false;
            Set<String> present = new HashSet<>();
            for (Map.Entry<String, V> e : sessions.entrySet()) {
                present.add(e.getKey());
                sorted.put(e.getKey(), e.getValue());
            }
            sorted.keySet().retainAll(present);
            return;
        }
        Set<String> ids = new HashSet<>();
        String id;
        while ((id = changed.poll()) != null) {
            waiting.decrementAndGet();
            ids.add(id);
        }
        for (String clientId : ids) {
            V s = sessions.get(clientId);
            if (s == null) {
                sorted.remove(clientId);
            } else {
                sorted.put(clientId, s);
            }
        }
    }
}
