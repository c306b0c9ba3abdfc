package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.HOST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.ListenerConfig.Transport;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code listeners} section: many listeners, their transports, TLS settings and the secure defaults. */
class ListenersConfigTest {

    @Test
    void withoutListenersOneTcpListenerOnHostAndPortLetsAnonymousClientsInOnlyOnLoopback() {
        List<ListenerConfig> listeners = BrokerConfig.defaults().listeners().effective();
        assertThat(listeners).singleElement().satisfies(l -> {
            assertThat(l.transport()).isEqualTo(Transport.TCP);
            assertThat(l.host()).isEqualTo("127.0.0.1");
            assertThat(l.port()).isEqualTo(1883);
            assertThat(l.anonymousAllowed()).isTrue();
        });
        assertThat(BrokerConfig.builder().set(HOST, "0.0.0.0").build().listeners().effective().get(0)
                .anonymousAllowed())
                .isFalse();
        assertThat(BrokerConfig.builder().set(HOST, "::1").build().listeners().effective().get(0).anonymousAllowed())
                .isTrue();
        assertThat(BrokerConfig.builder().set(HOST, "localhost").build().listeners().effective().get(0)
                .anonymousAllowed())
                .isTrue();
        assertThat(BrokerConfig.builder().set(HOST, "192.168.1.10").build().listeners().effective().get(0)
                .anonymousAllowed()).isFalse();
    }

    @Test
    void everyListenerKeyIsRead() {
        BrokerConfig config = ConfigLoader.parse("/etc/midge/midge.yaml", """
                listeners:
                  - name: plain
                    host: 0.0.0.0
                    port: 1883
                    allow-anonymous: true
                    max-connections: 500
                  - transport: tls
                    port: 8883
                    tls:
                      cert: certs/server.pem
                      key: /keys/server.key
                      ca: certs/ca.pem
                      client-auth: required
                      certificate-username: cn
                      protocols: [TLSv1.3]
                  - name: web
                    transport: ws
                    port: 8080
                    path: /ws
                """);
        assertThat(config.listeners().configured()).hasSize(3);
        ListenerConfig plain = config.listeners().configured().get(0);
        assertThat(plain).isEqualTo(new ListenerConfig("plain", Transport.TCP, "0.0.0.0", 1883, "/mqtt", true, 500,
                null));
        assertThat(plain.anonymousAllowed()).isTrue();
        ListenerConfig tls = config.listeners().configured().get(1);
        assertThat(tls.name()).isEqualTo("tls-8883");
        assertThat(tls.host()).isEqualTo("127.0.0.1");
        assertThat(tls.tls()).isEqualTo(new TlsConfig(Path.of("/etc/midge/certs/server.pem"),
                Path.of("/keys/server.key"), Path.of("/etc/midge/certs/ca.pem"), ClientAuth.REQUIRED,
                CertificateUsername.CN, List.of("TLSv1.3")));
        ListenerConfig web = config.listeners().configured().get(2);
        assertThat(web.transport()).isEqualTo(Transport.WS);
        assertThat(web.path()).isEqualTo("/ws");
        assertThat(config.listeners().effective()).isEqualTo(config.listeners().configured());
    }

    @Test
    void tlsDefaultsToBothVersionsAndNoClientCertificate() {
        TlsConfig tls = new TlsConfig(Path.of("c.pem"), Path.of("k.pem"), null, null, null, null);
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
        assertThat(tls.certificateUsername()).isEqualTo(CertificateUsername.NONE);
    }

    @Test
    void mistakesNameTheFileTheLineAndTheKey() {
        assertError("""
                listeners:
                  - port: 1883
                    transprot: tcp
                """, "midge.yaml:3: unknown key 'listeners[0].transprot' (a listener has name, transport, host, port, "
                + "path, allow-anonymous, max-connections, tls)");
        assertError("""
                listeners:
                  - port: 1883
                    transport: quic
                """, "midge.yaml:3: 'listeners[0].transport' must be tcp, tls, ws or wss, not 'quic'");
        assertError("""
                listeners:
                  - name: a
                """, "midge.yaml:2: 'listeners[0]' needs a port");
        assertError("""
                listeners:
                  - port: 8883
                    transport: tls
                """, "midge.yaml:2: 'listeners[0]': listener 'tls-8883': transport tls needs tls (cert and key)");
        assertError("""
                listeners:
                  - port: 1883
                  - port: 8883
                    transport: tls
                    tls:
                      cert: a.pem
                      key: b.pem
                      client-auth: maybe
                """, "midge.yaml:8: 'listeners[1].tls.client-auth' must be one of none, optional, required, not "
                + "'maybe'");
        assertError("""
                listeners:
                  - port: 8883
                    transport: tls
                    tls:
                      cert: a.pem
                      key: b.pem
                      client-auth: required
                """, "midge.yaml:5: 'listeners[0].tls': tls client-auth required needs ca (the certificates client "
                + "certificates must chain to)");
        assertError("""
                listeners:
                  - port: 1883
                    max-connections: -1
                """, "midge.yaml:3: 'listeners[0].max-connections' must be between 0 and 2147483647, not -1");
        assertError("""
                port: 1884
                listeners:
                  - port: 1883
                """, "midge.yaml:1: 'host' and 'port' describe the one listener of a configuration without "
                + "'listeners'; with 'listeners', give each listener its own");
        assertError("""
                listeners:
                  - name: same
                    port: 1883
                  - name: same
                    port: 1884
                """, "midge.yaml: listener names must be unique");
        assertError("listeners: 1883\n", "midge.yaml:1: 'listeners' must be a list of listeners, each a mapping");
    }

    private static void assertError(String yaml, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
