package io.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The {@code http:} section: its keys are the table's {@code http.*} keys, read and checked as the others are. */
class HttpConfigTest {

    @Test
    void onByDefaultOnTheLoopbackAndOpenThere() {
        HttpConfig http = BrokerConfig.defaults().http();
        assertThat(http.enabled()).isTrue();
        assertThat(http.host()).isEqualTo("127.0.0.1");
        assertThat(http.bindPort()).isEqualTo(8080);
        assertThat(http.anonymousAllowed()).isTrue();
        assertThat(http.tls()).isNull();
    }

    @Test
    void theSectionIsRead() {
        HttpConfig http = ConfigLoader.parse("/etc/midge/midge.yaml", """
                http:
                  host: 0.0.0.0
                  port: 9090
                  tls:
                    cert: server.pem
                    key: server.key
                """).http();
        assertThat(http.host()).isEqualTo("0.0.0.0");
        assertThat(http.bindPort()).isEqualTo(9090);
        assertThat(http.anonymousAllowed()).as("off the loopback, credentials unless said otherwise").isFalse();
        assertThat(http.tls().certFile()).isEqualTo(Path.of("/etc/midge/server.pem"));
    }

    @Test
    void portZeroTurnsItOff() {
        assertThat(ConfigLoader.parse("midge.yaml", "http:\n  port: 0\n").http().enabled()).isFalse();
    }

    @Test
    void anUnknownOrWrongKeyInTheSectionNamesItsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "http:\n  colour: blue\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("midge.yaml:2")
                .hasMessageContaining("unknown key 'http.colour'");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "http:\n  port: 70000\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'http.port'");
    }
}
