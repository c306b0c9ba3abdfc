package io.midge.broker.session;

import java.util.HashSet;
import java.util.Set;

/**
 * The packet identifiers of the QoS 2 messages a client published and has not released yet (PUBREC sent, PUBREL
 * not received). Part of the session, so that they outlive a connection (MQTT-4.3.3-9: a re-sent PUBLISH with such
 * an identifier is not delivered twice); only the client's connection reads and changes them, on the session's loop.
 */
public final class InboundQos2 {
    /** Made at the first QoS 2 publish: most clients never send one. */
    private Set<Integer> ids;

    public boolean contains(int packetId) {
        return ids != null && ids.contains(packetId);
    }

    public void add(int packetId) {
        if (ids == null) {
            ids = new HashSet<>();
        }
        ids.add(packetId);
    }

    /** Forgets the identifier; false when it was unknown. */
    public boolean remove(int packetId) {
        return ids != null && ids.remove(packetId);
    }

    public int size() {
        return ids == null ? 0 : ids.size();
    }

    /** The identifiers, ascending (to move the session to another node). */
    public int[] ids() {
        return ids == null ? new int[0] : ids.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    void clear() {
        ids = null;
    }
}
