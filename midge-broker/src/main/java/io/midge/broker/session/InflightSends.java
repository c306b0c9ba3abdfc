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
 * <p>Walk it with {@link #first()} and {@link InflightSend#next}; a walk may remove the send it stands on once it
 * took the next one. Threads: the session's loop only.
 */
final class InflightSends {
    private static final InflightSend[] NONE = {};

    /** Slots, a power of two long and at most half full; made at the first put. */
    private InflightSend[] slots = NONE;
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
        for (int i = PacketIdSlots.home(packetId, mask); ; i = (i + 1) & mask) {
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
        int i = PacketIdSlots.home(send.packetId, mask);
        while (table[i] != send) {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: later sends of the probe run move into the gap, so lookups need no tombstones.
        int gap = i;
        for (int j = (gap + 1) & mask; table[j] != null; j = (j + 1) & mask) {
            int home = PacketIdSlots.home(table[j].packetId, mask);
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
        for (InflightSend send = first; send != null; send = send.next) {
            insert(table, send);
        }
        slots = table;
    }

    /** The longest run of occupied slots: what a removal may walk (for the tests). */
    int longestRun() {
        return PacketIdSlots.longestRun(slots.length, i -> slots[i] != null);
    }

    private static void insert(InflightSend[] table, InflightSend send) {
        int mask = table.length - 1;
        int i = PacketIdSlots.home(send.packetId, mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = send;
    }
}
