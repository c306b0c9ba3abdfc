package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ClusterConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    @Test
    @DisplayName("Without cluster: (or without members) there is no cluster")
    void noClusterByDefault() {
        assertThat(BrokerConfig.defaults().cluster().enabled()).isFalse();
        assertThat(ConfigLoader.parse("midge.yaml", "cluster:\n  port: 7701\n").cluster().enabled()).isFalse();
    }

    @Test
    @DisplayName("The cluster: section gives node id, address, members, name, secret and link port")
    void sectionIsRead() {
        ClusterConfig c = ConfigLoader.parse("midge.yaml", """
                cluster:
                  node-id: a
                  port: 7701
                  members: [127.0.0.1:7701, 127.0.0.1:7702]
                  name: shop
                  secret: s3cret
                  link-port: 7801
                """).cluster();
        assertThat(c.enabled()).isTrue();
        assertThat(c.nodeId()).isEqualTo("a");
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(7701);
        assertThat(c.members()).containsExactly("127.0.0.1:7701", "127.0.0.1:7702");
        assertThat(c.name()).isEqualTo("shop");
        assertThat(c.secret()).isEqualTo("s3cret");
        assertThat(c.linkPort()).isEqualTo(7801);
    }

    @Test
    @DisplayName("Without node-id a node is named by its cluster address")
    void defaultNodeId() {
        ClusterConfig c = ConfigLoader.parse("midge.yaml", "cluster:\n  port: 7702\n  members: [127.0.0.1:7701]\n")
                .cluster();
        assertThat(c.nodeId()).isEqualTo("127.0.0.1:7702");
    }

    @Test
    @DisplayName("Off the loopback a node without cluster.secret refuses to start, saying why")
    void secretRequiredOffLoopback() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", """
                cluster:
                  host: 10.0.0.5
                  members: [10.0.0.5:5701, 10.0.0.6:5701]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("midge.yaml").hasMessageContaining("'cluster.secret' is required");
        assertThat(ConfigLoader.parse("midge.yaml", """
                cluster:
                  host: 10.0.0.5
                  members: [10.0.0.5:5701]
                  secret: s
                """).cluster().enabled()).isTrue();
    }

    @Test
    @DisplayName("A member that is not host:port, or a node id with '/', is refused with its value")
    void badValuesAreNamed() {
        assertThatThrownBy(() -> BrokerConfig.builder()
                .set(io.midge.broker.config.ConfigKeys.CLUSTER_MEMBERS, List.of("127.0.0.1")).build())
                .hasMessageContaining("'127.0.0.1'");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml",
                "cluster:\n  node-id: a/b\n  members: [127.0.0.1:1]\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'a/b'");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "cluster:\n  colour: red\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.colour");
    }
}
