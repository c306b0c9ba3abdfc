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
        ClusterConfig cluster = ConfigLoader.parse("midge.yaml",
                "cluster:\n  node-id: a\n  port: " + port + "\n  members: [127.0.0.1:" + port + "]\n").cluster();
        return HazelcastSetup.config(cluster, new LinkSecret(cluster.name(), cluster.secret()));
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
