package io.midge.broker.cluster;

import java.util.List;

/**
 * Which node runs the cluster's bridges: the oldest member (the first of Hazelcast's member list, which every member
 * holds in the same order), and only while it sees a majority of the cluster. So every node decides the same from
 * the membership alone, without writing anything; a node that joins (the youngest) never takes the bridges from a
 * running one, so they move only when their node leaves; and a node cut off in a minority, which takes no publishes,
 * does not run them either.
 */
final class BridgeHost {
    private BridgeHost() {
    }

    /**
     * The node that runs the bridges, as a node that sees {@code membersOldestFirst} decides; null when none may
     * (fewer than {@code majority} seen).
     */
    static String of(List<String> membersOldestFirst, int majority) {
        if (membersOldestFirst.isEmpty() || membersOldestFirst.size() < majority) {
            return null;
        }
        return membersOldestFirst.get(0);
    }
}
