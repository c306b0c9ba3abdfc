package io.midge.broker.session;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The {@link OutboundWindow}'s sends in flight by packet identifier, in the order they were put: a new connection
 * gets them again in that order. Every QoS 1/2 delivery is put, looked up at each acknowledgement and removed, so
 * this is a table of the sends themselves, open-addressed by their identifier, with the order a list through them:
 * no boxed identifier and no map entry per send, as a {@code LinkedHashMap<Integer, InflightSend>} had (profiled
 * under QoS 2, its boxing and entries were a few percent of the loop's time in Java code).
 *
 * <p>The slot of an identifier is a multiplicative (Fibonacci) hash of it, not the identifier itself: identifiers are
 * given in turn, so a window of consecutive ones laid out as they are would be one run of occupied slots, and the
 * backward-shift deletion of its oldest (the usual acknowledgement) would walk the whole run to its end: a step per
 * send in flight at every acknowledgement (measured: the top frame of a bridge's loop with 1,000 in flight).
 * Scattered, runs stay a few slots long at the table's load of at most one half.
 *
 * <p>Walk it with {@link #first()} and {@link InflightSend#next}; a walk may remove the send it stands on once it
 * took the next one. Threads: the session's loop only.
 */
final class InflightSends {
    private static final InflightSend[] NONE = {};

    /** Slots, a power of two long and at most half full; made at the first put. */
    private InflightSend[] slots = NONE;
    /** 32 less the bits of a slot's index (the table is {@code 1 << (32 - shift)} long), for {@link #home}. */
    private int shift = 32;
    private int size;
    private InflightSend first;
    private InflightSend last;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The oldest send, or null. */
    InflightSend first() {
        return first;
    }

    /** The send under this identifier, or null. */
    InflightSend get(int packetId) {
        if (size == 0) {
            return null;
        }
        InflightSend[] table = slots;
        int mask = table.length - 1;
        for (int i = home(packetId); ; i = (i + 1) & mask) {
            InflightSend send = table[i];
            if (send == null || send.packetId == packetId) {
                return send;
            }
        }
    }

    /** Puts a send as the newest, in place of one under the same identifier (which the window never has). */
    void put(int packetId, InflightSend send) {
        InflightSend old = get(packetId);
        if (old != null) {
            remove(old);
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        send.packetId = packetId;
        insert(slots, send);
        size++;
        send.prev = last;
        send.next = null;
        if (last == null) {
            first = send;
        } else {
            last.next = send;
        }
        last = send;
    }

    /** Removes the send under this identifier; returns it, or null when there was none. */
    InflightSend remove(int packetId) {
        InflightSend send = get(packetId);
        if (send != null) {
            remove(send);
        }
        return send;
    }

    /** Removes a send that is in here. */
    void remove(InflightSend send) {
        InflightSend[] table = slots;
        int mask = table.length - 1;
        int i = home(send.packetId);
        while (table[i] != send) {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: later sends of the probe run move into the gap, so lookups need no tombstones.
        int gap = i;
        for (int j = (gap + 1) & mask; table[j] != null; j = (j + 1) & mask) {
            int home = home(table[j].packetId);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                table[gap] = table[j];
                gap = j;
            }
        }
        table[gap] = null;
        size--;
        if (send.prev == null) {
            first = send.next;
        } else {
            send.prev.next = send.next;
        }
        if (send.next == null) {
            last = send.prev;
        } else {
            send.next.prev = send.prev;
        }
        // send.next stays: a walk that stands on it may still step on.
        send.prev = null;
    }

    void clear() {
        slots = NONE;
        shift = 32;
        size = 0;
        first = null;
        last = null;
    }

    /** The sends as entries of identifier and send, oldest first; for the rare readers of a whole window. */
    Iterable<Map.Entry<Integer, InflightSend>> entries() {
        return () -> new Iterator<>() {
            private InflightSend at = first;

            @Override
            public boolean hasNext() {
                return at != null;
            }

            @Override
            public Map.Entry<Integer, InflightSend> next() {
                if (at == null) {
                    throw new NoSuchElementException();
                }
                InflightSend send = at;
                at = send.next;
                return new AbstractMap.SimpleImmutableEntry<>(send.packetId, send);
            }
        };
    }

    private void grow() {
        InflightSend[] table = new InflightSend[Math.max(16, slots.length * 2)];
        shift = Integer.numberOfLeadingZeros(table.length - 1);
        for (InflightSend send = first; send != null; send = send.next) {
            insert(table, send);
        }
        slots = table;
    }

    /** The slot an identifier hashes to: the top bits of its product with 2^32 divided by the golden ratio. */
    private int home(int packetId) {
        return (packetId * 0x9E3779B9) >>> shift;
    }

    private void insert(InflightSend[] table, InflightSend send) {
        int mask = table.length - 1;
        int i = home(send.packetId);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = send;
    }
}
