package io.midge.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.midge.broker.config.ClusterConfig;
import io.midge.broker.limits.ConnectionLimits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's members as Hazelcast's member list shows them to this node, and the majority rule that follows from
 * them: a node that sees fewer than a majority of the configured cluster takes no client and no publish. Apart from
 * {@link Cluster} because the rule and the member list are one question (who is there), asked by the route table's
 * sync, the links, the bridges and the session handover alike; it logs under {@link Cluster}'s logger, as it did
 * while it was part of it.
 */
final class Membership {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    private final String nodeId;
    private final ConnectionLimits limits;
    /** Nodes that make a majority of the configured cluster (this one counted, listed or not). */
    private final int majority;
    private final int clusterSize;
    /** Set once joined, before anything asks. */
    private HazelcastInstance hazelcast;

    Membership(ClusterConfig config, ConnectionLimits limits) {
        this.nodeId = config.nodeId();
        this.limits = limits;
        Set<String> all = new HashSet<>(config.members());
        all.add(config.host() + ":" + config.port());
        this.clusterSize = all.size();
        this.majority = clusterSize / 2 + 1;
    }

    void joined(HazelcastInstance instance) {
        this.hazelcast = instance;
    }

    int majority() {
        return majority;
    }

    int clusterSize() {
        return clusterSize;
    }

    /** How many members this node sees, itself included. */
    int seen() {
        return hazelcast.getCluster().getMembers().size();
    }

    /**
     * The majority rule: a node that sees fewer than a majority of the cluster's nodes (itself included) takes no
     * client and no publish until it does again, so that two sides of a network split never both accept messages
     * the other cannot see. Hazelcast's member list is what the node sees.
     */
    void checkMajority() {
        int seen = seen();
        String was = limits.unavailable();
        if (seen < majority) {
            String reason = "node '" + nodeId + "' sees " + seen + " of the cluster's " + clusterSize
                    + " nodes, fewer than a majority (" + majority + ")";
            limits.setUnavailable(reason);
            if (was == null) {
                log.warn("{}: refusing clients and publishes until it sees a majority again", reason);
            }
        } else if (was != null) {
            limits.setUnavailable(null);
            log.info("Node '{}' sees {} of the cluster's {} nodes, a majority: taking clients and publishes again",
                    nodeId, seen, clusterSize);
        }
    }

    /**
     * Logs each node that joins or leaves, telling apart how from what the route table still says of it
     * ({@code state}), and then calls {@code changed}: both on the cluster's thread ({@code onThread}).
     */
    void follow(Function<String, String> state, Consumer<Runnable> onThread, Runnable changed) {
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                String node = nodeOf(event.getMember());
                onThread.accept(() -> {
                    // What the route table still says of it tells a new node from one that comes back, and how.
                    String was = state.apply(node);
                    log.info("Node '{}' joined the cluster ({}): {}", node, event.getMember().getAddress(),
                            was == null ? "a node not seen before"
                            : RouteTable.STOPPED.equals(was) ? "back after it shut down"
                            : "back after it stopped answering (crashed, or cut off)");
                    changed.run();
                });
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                String node = nodeOf(event.getMember());
                onThread.accept(() -> {
                    if (RouteTable.STOPPED.equals(state.apply(node))) {
                        log.info("Node '{}' left the cluster: it shut down; its routes stay and its queue keeps "
                                + "its messages", node);
                    } else {
                        log.warn("Node '{}' left the cluster: it stopped answering (crashed, or the network between "
                                + "us failed); its routes stay and its queue keeps its messages", node);
                    }
                    changed.run();
                });
            }
        });
    }

    /** The members' node identifiers, oldest first (the order every member holds the list in). */
    List<String> oldestFirst() {
        List<String> members = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(nodeOf(m));
        }
        return members;
    }

    boolean isMember(String node) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (node.equals(m.getAttribute(HazelcastSetup.NODE_ATTRIBUTE))) {
                return true;
            }
        }
        return false;
    }

    private static String nodeOf(Member member) {
        String node = member.getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
        return node != null ? node : String.valueOf(member.getAddress());
    }
}
