package io.midge.broker.testing;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.ListenerConfig.Transport;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import java.util.List;

/** Listener configurations on 127.0.0.1 and a free port, for tests: {@code Listeners.tls("secure", tls)}. */
public final class Listeners {
    private Listeners() {
    }

    public static ListenerConfig tcp(String name) {
        return ListenerConfig.tcp(name, "127.0.0.1", 0);
    }

    public static ListenerConfig tls(String name, TlsConfig tls) {
        return new ListenerConfig(name, Transport.TLS, "127.0.0.1", 0, null, null, 0, tls);
    }

    public static ListenerConfig ws(String name, String path) {
        return new ListenerConfig(name, Transport.WS, "127.0.0.1", 0, path, null, 0, null);
    }

    public static ListenerConfig wss(String name, String path, TlsConfig tls) {
        return new ListenerConfig(name, Transport.WSS, "127.0.0.1", 0, path, null, 0, tls);
    }

    /** TLS with the server certificate, both versions, no client certificates. */
    public static TlsConfig serverTls(TestCertificates.Pem server) {
        return new TlsConfig(server.cert(), server.key(), null, ClientAuth.NONE, CertificateUsername.NONE, null);
    }

    public static TlsConfig serverTls(TestCertificates.Pem server, String... protocols) {
        return new TlsConfig(server.cert(), server.key(), null, ClientAuth.NONE, CertificateUsername.NONE,
                List.of(protocols));
    }

    /** TLS asking client certificates that chain to the CA. */
    public static TlsConfig clientAuthTls(TestCertificates.Pem server, TestCertificates ca, ClientAuth clientAuth,
                                          CertificateUsername username) {
        return new TlsConfig(server.cert(), server.key(), ca.caFile(), clientAuth, username, null);
    }
}
