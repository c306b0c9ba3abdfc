package io.midge.broker.cluster;

import io.midge.broker.routing.NodeMarks;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Subscription Identifiers of the forwarding queues' share group memberships, and back: a delivery a group chose
 * a queue for carries its group's identifier (as a client's delivery carries its subscription's), and the link
 * names the group to the other node by it ({@link NodeMarks#SHARE}). An identifier is a hash of the shared filter
 * ({@link NodeMarks#shareId}), the same after a restart, so deliveries the store kept still name their group; two
 * filters with the same hash take the next free identifier, which the queue's stored subscription then keeps.
 *
 * <p>Threads: any; entries are added, never removed while the broker runs (a delivery still queued may name a
 * group its node has since left).
 */
final class ShareIds {
    private final ConcurrentHashMap<Integer, String> filters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();

    /** The identifier of a shared filter, given one when it has none yet. */
    synchronized int id(String sharedFilter) {
        Integer known = ids.get(sharedFilter);
        if (known != null) {
            return known;
        }
        int id = NodeMarks.shareId(sharedFilter);
        while (filters.containsKey(id)) {
            id = id % (NodeMarks.SYNC_ID - 1) + 1;
        }
        filters.put(id, sharedFilter);
        ids.put(sharedFilter, id);
        return id;
    }

    /** A restored queue's membership: its identifier, as stored, stands for the filter. */
    synchronized void restored(String sharedFilter, int id) {
        filters.putIfAbsent(id, sharedFilter);
        ids.putIfAbsent(sharedFilter, id);
    }

    /** The shared filter of an identifier, or null when none has it. */
    String filter(int id) {
        return filters.get(id);
    }
}
