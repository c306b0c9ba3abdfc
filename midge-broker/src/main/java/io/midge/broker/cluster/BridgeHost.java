package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which node runs each bridge of the cluster: of the nodes that have it configured, the oldest member (Hazelcast's
 * member list, which every member holds in the same order, oldest first), and only while the deciding node sees a
 * majority of the cluster. So every node decides the same from the membership and what each node says it has
 * configured (the replicated map {@value #MAP}: node to its bridges' names), without a vote; a node that joins (the
 * youngest) never takes a bridge from a running one, so a bridge moves only when its node leaves or drops it; and a
 * node cut off in a minority, which takes no publishes, runs none.
 */
final class BridgeHost {
    /** The replicated map of node identifier to the names of the bridges it has configured, '/'-separated. */
    static final String MAP = "midge.bridges";
    /** Bridge names never hold '/' (they name the queue {@code $bridge/<name>}), so it separates them. */
    private static final String SEPARATOR = "/";

    private final String self;
    private final int majority;
    private final ReplicatedMap<String, String> offers;
    private final Supplier<List<String>> membersOldestFirst;
    private final List<Runnable> watchers = new CopyOnWriteArrayList<>();
    /** Bridge name to the node that runs it, as last decided; a bridge run nowhere is absent. */
    private volatile Map<String, String> hosts = Map.of();

    BridgeHost(String self, int majority, ReplicatedMap<String, String> offers,
               Supplier<List<String>> membersOldestFirst) {
        this.self = self;
        this.majority = majority;
        this.offers = offers;
        this.membersOldestFirst = membersOldestFirst;
    }

    /**
     * The node that runs {@code bridge}, as a node that sees {@code membersOldestFirst} decides, {@code offered}
     * telling the bridges each node has configured (null: it has not said yet); null when none may run it now:
     * fewer than {@code majority} seen, no live node has it, or an older node has not said yet whether it has it
     * (it is starting, or its word has not reached this node: waiting keeps two nodes from both running it).
     */
    static String of(String bridge, List<String> membersOldestFirst, int majority,
                     Function<String, Set<String>> offered) {
        if (membersOldestFirst.isEmpty() || membersOldestFirst.size() < majority) {
            return null;
        }
        for (String node : membersOldestFirst) {
            Set<String> names = offered.apply(node);
            if (names == null) {
                return null;
            }
            if (names.contains(bridge)) {
                return node;
            }
        }
        return null;
    }

    /** The names a node's entry of the map lists; null for no entry. */
    static Set<String> names(String entry) {
        return entry == null ? null : entry.isEmpty() ? Set.of() : Set.of(entry.split(SEPARATOR));
    }

    /** A node's entry of the map. */
    static String entry(Collection<String> names) {
        return String.join(SEPARATOR, new TreeSet<>(names));
    }

    /**
     * Decides again where each bridge runs, from the members as this node sees them now and what each said it has;
     * tells the watchers when anything changed. From any thread (the membership, the map, a reload).
     */
    synchronized void elect() {
        List<String> members = membersOldestFirst.get();
        Set<String> names = new TreeSet<>();
        for (String entry : offers.values()) {
            names.addAll(names(entry));
        }
        Map<String, String> decided = new TreeMap<>();
        for (String name : names) {
            String host = of(name, members, majority, node -> names(offers.get(node)));
            if (host != null) {
                decided.put(name, host);
            }
        }
        if (!Objects.equals(decided, hosts)) {
            hosts = Map.copyOf(decided);
            watchers.forEach(Runnable::run);
        }
    }

    /** This node has these bridges configured (all of them); decided again before this returns. */
    void offer(Collection<String> names) {
        offers.put(self, entry(names));
        elect();
    }

    boolean runsHere(String bridge) {
        return self.equals(hosts.get(bridge));
    }

    /** The node that runs that bridge, as last decided; null for none. */
    String hostOf(String bridge) {
        return hosts.get(bridge);
    }

    /** Where that bridge runs, for the log. */
    String describe(String bridge) {
        String host = hosts.get(bridge);
        if (host == null) {
            return "no node yet (a majority, and each older node's bridges, must be seen first)";
        }
        return "node '" + host + "'" + (host.equals(self) ? " (this one, the oldest that has it)"
                : " (the oldest that has it)");
    }

    void watch(Runnable changed) {
        watchers.add(changed);
    }
}
