package io.midge.broker.routing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node catching up on the cluster's retained messages, after it joined or restarted: another node sends it a copy
 * of each of its retained messages, then an end mark ({@link NodeMarks#SYNC}). Meanwhile the topics retained or
 * cleared by anything else (this node's clients, other nodes' live forwards) are newer than any copy: a copy of such
 * a topic is ignored. At the end, a retained message this node holds from another node that the copies did not
 * include was cleared while this node was away, and goes.
 *
 * <p>Threads: copies and live messages arrive on any loop at once; the sets are concurrent.
 */
final class RetainedSync {
    /** Topics retained or cleared since the sync began, other than by a copy. */
    final Set<String> touched = ConcurrentHashMap.newKeySet();
    /** Topics a copy was taken for. */
    final Set<String> copied = ConcurrentHashMap.newKeySet();

    /** Whether a copy of this topic is taken: only if nothing newer came meanwhile. */
    boolean takes(String topic) {
        if (touched.contains(topic)) {
            return false;
        }
        copied.add(topic);
        return true;
    }

    /** Whether a retained message still held at the end goes: it came from a node, and no copy or newer one came. */
    boolean stale(String topic, Message held) {
        return NodeClientIds.isNode(held.publisherId()) && !copied.contains(topic) && !touched.contains(topic);
    }
}
