package io.midge.broker.cluster;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which node runs a bridge of the cluster: of the nodes that have it configured, the oldest member (Hazelcast's
 * member list, which every member holds in the same order, oldest first), and only while the deciding node sees a
 * majority of the cluster. So every node decides the same from the membership and what each node says it has
 * configured (the map {@value #MAP}: node to its bridges' names), without a vote; a node that joins (the youngest)
 * never takes a bridge from a running one, so a bridge moves only when its node leaves or drops it; and a node cut
 * off in a minority, which takes no publishes, runs none.
 */
final class BridgeHost {
    /** The replicated map of node identifier to the names of the bridges it has configured, '/'-separated. */
    static final String MAP = "midge.bridges";
    /** Bridge names never hold '/' (they name the queue {@code $bridge/<name>}), so it separates them. */
    static final String SEPARATOR = "/";

    private BridgeHost() {
    }

    /**
     * The node that runs {@code bridge}, as a node that sees {@code membersOldestFirst} decides, {@code offers}
     * telling the bridges each node has configured (null: it has not said yet); null when none may run it now:
     * fewer than {@code majority} seen, no live node has it, or an older node has not said yet whether it has it
     * (it is starting, or its word has not reached this node: waiting keeps two nodes from both running it).
     */
    static String of(String bridge, List<String> membersOldestFirst, int majority,
                     Function<String, Set<String>> offers) {
        if (membersOldestFirst.isEmpty() || membersOldestFirst.size() < majority) {
            return null;
        }
        for (String node : membersOldestFirst) {
            Set<String> offered = offers.apply(node);
            if (offered == null) {
                return null;
            }
            if (offered.contains(bridge)) {
                return node;
            }
        }
        return null;
    }

    /** The names a node's entry of the map lists. */
    static Set<String> names(String entry) {
        return entry == null ? null : entry.isEmpty() ? Set.of() : Set.of(entry.split(SEPARATOR));
    }

    /** A node's entry of the map. */
    static String entry(java.util.Collection<String> names) {
        return String.join(SEPARATOR, new java.util.TreeSet<>(names));
    }
}
