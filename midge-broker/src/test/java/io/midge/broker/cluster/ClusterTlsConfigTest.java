package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ClusterConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.config.ConfigLoader;
import io.midge.broker.config.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code cluster.tls}: TLS on the links between nodes, always mutual. */
class ClusterTlsConfigTest {

    @Test
    @DisplayName("Without cluster.tls the links are plain TCP")
    void plainByDefault() {
        assertThat(ConfigLoader.parse("midge.yaml", "cluster:\n  members: [127.0.0.1:7701]\n").cluster().tls())
                .isNull();
    }

    @Test
    @DisplayName("cluster.tls gives cert, key and ca; both ends present a certificate (client-auth required)")
    void sectionIsRead() {
        ClusterConfig c = ConfigLoader.parse("midge.yaml", """
                cluster:
                  members: [127.0.0.1:7701, 127.0.0.1:7702]
                  tls:
                    cert: /etc/midge/node.pem
                    key: /etc/midge/node.key
                    ca: /etc/midge/cluster-ca.pem
                """).cluster();
        TlsConfig tls = c.tls();
        assertThat(tls.certFile()).isEqualTo(Path.of("/etc/midge/node.pem"));
        assertThat(tls.keyFile()).isEqualTo(Path.of("/etc/midge/node.key"));
        assertThat(tls.caFile()).isEqualTo(Path.of("/etc/midge/cluster-ca.pem"));
        assertThat(tls.clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRED);
    }

    @Test
    @DisplayName("cluster.tls without ca is refused, naming file, line and key: each node checks the other's "
            + "certificate against it")
    void caIsRequired() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", """
                cluster:
                  members: [127.0.0.1:7701]
                  tls:
                    cert: /etc/midge/node.pem
                    key: /etc/midge/node.key
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("midge.yaml:")
                .hasMessageContaining("'cluster.tls' needs ca");
        assertThatThrownBy(() -> BrokerConfig.builder().set(ConfigKeys.CLUSTER_TLS, new TlsConfig(Path.of("c"),
                Path.of("k"), null, null, null, null)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'cluster.tls' needs ca");
    }

    @Test
    @DisplayName("cluster.tls with optional client certificates or a certificate-username is refused")
    void onlyMutual() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", """
                cluster:
                  members: [127.0.0.1:7701]
                  tls:
                    cert: /n.pem
                    key: /n.key
                    ca: /ca.pem
                    client-auth: optional
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("client-auth must be required");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", """
                cluster:
                  members: [127.0.0.1:7701]
                  tls:
                    cert: /n.pem
                    key: /n.key
                    ca: /ca.pem
                    client-auth: required
                    certificate-username: cn
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("certificate-username");
    }

    @Test
    @DisplayName("Set in code (as the --cluster-tls-* flags do), client certificates become required")
    void builderMakesItMutual() {
        TlsConfig tls = BrokerConfig.builder().set(ConfigKeys.CLUSTER_MEMBERS, List.of("127.0.0.1:7701"))
                .set(ConfigKeys.CLUSTER_TLS, new TlsConfig(Path.of("/n.pem"), Path.of("/n.key"), Path.of("/ca.pem"),
                        TlsConfig.ClientAuth.NONE, null, null))
                .build().cluster().tls();
        assertThat(tls.clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRED);
    }
}
