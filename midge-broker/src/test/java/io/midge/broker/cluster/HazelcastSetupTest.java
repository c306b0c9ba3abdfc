package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.midge.broker.config.ClusterConfig;
import io.midge.broker.config.ConfigLoader;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HazelcastSetupTest {

    private static Config config(int port) {
        return config("a", port, port);
    }

    private static Config config(String node, int port, int member) {
        ClusterConfig cluster = ConfigLoader.parse("midge.yaml", "cluster:\n  node-id: " + node + "\n  port: " + port
                + "\n  members: [127.0.0.1:" + member + "]\n").cluster();
        return HazelcastSetup.config(cluster, new LinkSecret(cluster.name(), cluster.secret()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    @DisplayName("A node that joins sees every entry of the route table the others hold from its first read: an entry "
            + "read as absent would leave that node's subscribers without the joining node's messages")
    void aJoiningNodeReadsTheWholeRouteTable() throws IOException {
        assertThat(config(7701).getReplicatedMapConfig("midge.routes").isAsyncFillup()).isFalse();
        int first = freePort();
        int second = freePort();
        HazelcastInstance a = Hazelcast.newHazelcastInstance(config("a", first, first));
        HazelcastInstance b = null;
        try {
            java.util.Map<String, String> routes = new java.util.HashMap<>();
            for (int i = 0; i < 5_000; i++) {
                routes.put("a|ward" + i + "/+/heartrate", "durable");
            }
            a.<String, String>getReplicatedMap("midge.routes").putAll(routes);
            b = Hazelcast.newHazelcastInstance(config("b", second, first));
            assertThat(b.<String, String>getReplicatedMap("midge.routes").size()).isEqualTo(routes.size());
        } finally {
            if (b != null) {
                b.shutdown();
            }
            a.shutdown();
        }
    }

    @Test
    @DisplayName("A node's background work is kept small: few partitions, no health monitor, no metrics")
    void backgroundKnobs() {
        Config c = config(7701);
        assertThat(c.getProperty("hazelcast.partition.count"))
                .isEqualTo(Integer.toString(HazelcastSetup.PARTITION_COUNT));
        assertThat(c.getProperty("hazelcast.health.monitoring.level")).isEqualTo("OFF");
        assertThat(c.getMetricsConfig().isEnabled()).isFalse();
    }

    @Test
    @DisplayName("The member Hazelcast starts from the configuration has that many partitions")
    void memberHasThePartitionCount() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config(port));
        try {
            assertThat(member.getPartitionService().getPartitions()).hasSize(HazelcastSetup.PARTITION_COUNT);
        } finally {
            member.shutdown();
        }
    }
}
