package io.midge.broker.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ReplicatedMapConfig;
import io.midge.broker.config.ClusterConfig;

/**
 * The Hazelcast member each node embeds, configured in code only (no hazelcast.xml is looked for): TCP/IP join with
 * the configured members and nothing else (no multicast, no cloud discovery), bound to {@code cluster.host} alone on
 * exactly {@code cluster.port}, no phone-home, no shutdown hook of its own (the broker stops it, after its last
 * words), logging through SLF4J like the rest of the broker.
 */
final class HazelcastSetup {
    static final String NODE_ATTRIBUTE = "midge.node";
    /** Hazelcast's partitions: a prime, a few per node of a cluster of up to about seven nodes (see below). */
    static final int PARTITION_COUNT = 19;
    /** Every replicated map of the cluster: the route table, the node directory, bridge offers, retained catch-up. */
    static final String REPLICATED_MAPS = "midge.*";

    private HazelcastSetup() {
    }

    static Config config(ClusterConfig cluster, LinkSecret secret) {
        Config c = new Config();
        c.setClusterName(secret.hazelcastName());
        c.setInstanceName("midge-" + cluster.nodeId());
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        // A process that dies is noticed at once, as its connections close; a node that goes silent (a cut cable)
        // within 30 seconds rather than the default minute. Shorter misjudged nodes of a loaded machine (a 10 s
        // limit did, on 2 busy cores); a forwarding queue keeps what its node misses meanwhile in any case.
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "30");
        // Nodes started together that formed separate clusters find each other within seconds.
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        c.setProperty("hazelcast.wait.seconds.before.join", "1");
        // Hazelcast's own metrics (for its Management Center, which Midge does not use) are collected every 5 s and
        // published as JMX beans: in a profile of idle and loaded nodes they were among the busiest of its threads.
        c.getMetricsConfig().setEnabled(false);
        // What a node costs while nothing changes counts in every message's share of the cluster's CPU. With
        // Hazelcast's 271 partitions each replicated map and the registry keep 271 record stores, which its
        // anti-entropy and migration tasks walk all the time (an idle 3-node cluster, JIT apart: 2.9% of a core in
        // all, 1.5-2.3% with PARTITION_COUNT and no health monitor, on a busy machine). The maps hold a few hundred
        // small entries: a few partitions a node suffice. Every member must have the same count (a node of an older
        // build, with 271, is refused).
        c.setProperty("hazelcast.partition.count", Integer.toString(PARTITION_COUNT));
        // Its health monitor samples the JVM every 20 s to log a line only when memory or CPU run high; the broker
        // has its own overload policy and metrics.
        c.setProperty("hazelcast.health.monitoring.level", "OFF");
        // A node that joins reads the replicated maps (the route table above all) only once it holds every entry the
        // others have: with Hazelcast's default (asynchronous fill-up) an entry not copied yet reads as absent, and a
        // joining node on a loaded machine went 23 s without the routes of a node already up and 79 s without its
        // link address, forwarding nothing to it meanwhile: its clients' messages for that node's subscribers were
        // lost. Its start waits for the copy instead (milliseconds on a quiet machine).
        c.addReplicatedMapConfig(new ReplicatedMapConfig(REPLICATED_MAPS).setAsyncFillup(false));
        c.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, cluster.nodeId());
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(cluster.port()).setPortAutoIncrement(false);
        net.setPublicAddress(cluster.host() + ":" + cluster.port());
        net.getInterfaces().setEnabled(true).addInterface(cluster.host());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members()).setConnectionTimeoutSeconds(2);
        return c;
    }
}
