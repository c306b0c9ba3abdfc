package io.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BridgeConfig.Direction;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The {@code bridges} section: read as written, defaults where not, and each mistake named with file and line. */
class BridgesConfigTest {

    @Test
    @DisplayName("config/bridge-example.yaml reads as the pacemaker bridge: home/# out at QoS 1, hospital/commands/# in")
    void theExampleFile() {
        BrokerConfig c = ConfigLoader.load(Path.of("..", "config", "bridge-example.yaml"));
        assertThat(c.bridges()).hasSize(1);
        BridgeConfig b = c.bridges().get(0);
        assertThat(b.name()).isEqualTo("hospital");
        assertThat(b.address()).isEqualTo("127.0.0.1:1884");
        assertThat(b.version()).isEqualTo(5);
        assertThat(b.transport()).isEqualTo(ListenerConfig.Transport.TCP);
        assertThat(b.topics()).containsExactly(
                new BridgeConfig.TopicRule("home/#", Direction.OUT, 1, "", ""),
                new BridgeConfig.TopicRule("hospital/commands/#", Direction.IN, 1, "", ""));
        assertThat(b.queueOverflow()).isEqualTo(QueueOverflow.DROP_OLDEST);
    }

    @Test
    @DisplayName("Every key of a bridge, with TLS and prefixes")
    void everyKey() {
        BrokerConfig c = ConfigLoader.parse("/etc/midge/m.yaml", """
                bridges:
                  - name: central
                    address: broker.example.com:8883
                    transport: tls
                    version: "3.1.1"
                    client-id: site-1
                    username: site
                    password: s3cret
                    clean-start: true
                    session-expiry: 0
                    keep-alive: 20
                    local-user: bridge
                    max-queued-messages: 10
                    max-queued-bytes: 1000
                    queue-overflow: drop-new
                    tls:
                      ca: ca.pem
                      cert: site.pem
                      key: site-key.pem
                      verify-hostname: false
                    topics:
                      - {filter: "sensors/#", direction: both, qos: 2, local-prefix: "", remote-prefix: "site-1/"}
                """);
        BridgeConfig b = c.bridges().get(0);
        assertThat(b.host()).isEqualTo("broker.example.com");
        assertThat(b.port()).isEqualTo(8883);
        assertThat(b.version()).isEqualTo(4);
        assertThat(b.tls()).isEqualTo(new BridgeConfig.Tls(Path.of("/etc/midge/ca.pem"), Path.of("/etc/midge/site.pem"),
                Path.of("/etc/midge/site-key.pem"), false));
        assertThat(b.topics().get(0).remoteFilter()).isEqualTo("site-1/sensors/#");
        assertThat(b.maxQueuedMessages()).isEqualTo(10);
        assertThat(b.queueOverflow()).isEqualTo(QueueOverflow.DROP_NEW);
        assertThat(b.toString()).doesNotContain("s3cret");
    }

    @Test
    @DisplayName("Mistakes name the file and the line: a bad address, an unknown key, a bad direction, no topics, "
            + "a name given twice")
    void mistakes() {
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - name: a
                    address: nowhere
                    topics: [{filter: "#", direction: out}]
                """)).isInstanceOf(ConfigException.class).hasMessageStartingWith("m.yaml:3: 'bridges[0].address'");
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - name: a
                    address: h:1
                    colour: red
                """)).hasMessageStartingWith("m.yaml:4: unknown key 'bridges[0].colour'");
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - name: a
                    address: h:1
                    topics:
                      - filter: "#"
                        direction: sideways
                """)).hasMessageStartingWith("m.yaml:6: 'bridges[0].topics[0].direction' must be out, in or both");
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - name: a
                    address: h:1
                """)).hasMessageContaining("m.yaml:2:").hasMessageContaining("needs topics");
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - {name: a, address: "h:1", topics: [{filter: "#", direction: out}]}
                  - {name: a, address: "h:2", topics: [{filter: "#", direction: out}]}
                """)).hasMessageStartingWith("m.yaml:3:").hasMessageContaining("a second bridge named 'a'");
        assertThatThrownBy(() -> ConfigLoader.parse("m.yaml", """
                bridges:
                  - {name: a, address: "h:1", topics: [{filter: "#", direction: out, qos: 3}]}
                """)).hasMessageContaining("m.yaml:2:").hasMessageContaining("qos");
    }
}
