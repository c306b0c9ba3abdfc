package io.midge.broker.session;

import java.util.Arrays;

/**
 * The packet identifiers of the QoS 2 messages a client published and has not released yet (PUBREC sent, PUBREL
 * not received). Part of the session, so that they outlive a connection (MQTT-4.3.3-9: a re-sent PUBLISH with such
 * an identifier is not delivered twice); only the client's connection reads and changes them, on the session's loop.
 *
 * <p>Every QoS 2 PUBLISH and PUBREL looks here, so the identifiers are kept as plain ints in an open-addressed table
 * (0, which is never a packet identifier, marks a free slot), not as boxed Integers in a HashSet: profiled under QoS 2
 * fan-in, the set's boxing and its chain of objects took a tenth of the loop's time in Java code.
 */
public final class InboundQos2 {
    private static final int[] NONE = {};

    /** Slots of identifiers, a power of two long, at most half full; made at the first QoS 2 publish. */
    private int[] slots = NONE;
    private int size;

    public boolean contains(int packetId) {
        int[] table = slots;
        if (size == 0) {
            return false;
        }
        int mask = table.length - 1;
        for (int i = PacketIdSlots.home(packetId, mask); ; i = (i + 1) & mask) {
            int id = table[i];
            if (id == packetId) {
                return true;
            }
            if (id == 0) {
                return false;
            }
        }
    }

    public void add(int packetId) {
        if (packetId <= 0) {
            throw new IllegalArgumentException("not a packet identifier: " + packetId);
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        int i = PacketIdSlots.home(packetId, mask);
        while (slots[i] != 0) {
            if (slots[i] == packetId) {
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = packetId;
        size++;
    }

    /** Forgets the identifier; false when it was unknown. */
    public boolean remove(int packetId) {
        if (size == 0) {
            return false;
        }
        int[] table = slots;
        int mask = table.length - 1;
        int i = PacketIdSlots.home(packetId, mask);
        while (table[i] != packetId) {
            if (table[i] == 0) {
                return false;
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: moves later entries of the probe run into the gap, so lookups never need tombstones.
        int gap = i;
        for (int j = (gap + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int home = PacketIdSlots.home(table[j], mask);
            // The entry at j may fill the gap if its home slot is not cyclically within (gap, j].
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                table[gap] = table[j];
                gap = j;
            }
        }
        table[gap] = 0;
        size--;
        return true;
    }

    public int size() {
        return size;
    }

    /** The identifiers, ascending (to move the session to another node). */
    public int[] ids() {
        int[] ids = new int[size];
        int n = 0;
        for (int id : slots) {
            if (id != 0) {
                ids[n++] = id;
            }
        }
        Arrays.sort(ids);
        return ids;
    }

    /** The longest run of occupied slots: what a removal may walk (for the tests). */
    int longestRun() {
        return PacketIdSlots.longestRun(slots.length, i -> slots[i] != 0);
    }

    void clear() {
        slots = NONE;
        size = 0;
    }

    private void grow() {
        int[] old = slots;
        slots = new int[Math.max(16, old.length * 2)];
        size = 0;
        for (int id : old) {
            if (id != 0) {
                add(id);
            }
        }
    }
}
