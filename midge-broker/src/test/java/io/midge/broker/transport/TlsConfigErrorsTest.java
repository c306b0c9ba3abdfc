package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS listener whose files cannot be used stops the start with an error naming the listener and the file. */
class TlsConfigErrorsTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;
    static TestCertificates.Pem other;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "errors");
        server = ca.server("server");
        other = ca.server("other");
    }

    @Test
    @DisplayName("A missing certificate file stops the start, naming the listener and the file")
    void missingCertificate() {
        Path missing = dir.resolve("missing.pem");
        assertStartFails(new TlsConfig(missing, server.key(), null, null, null, null),
                "listener 'secure': cannot read tls cert file " + missing + " (no such file)");
    }

    @Test
    @DisplayName("A missing key file stops the start, naming the listener and the file")
    void missingKey() {
        Path missing = dir.resolve("missing.key");
        assertStartFails(new TlsConfig(server.cert(), missing, null, null, null, null),
                "listener 'secure': cannot read tls key file " + missing + " (no such file)");
    }

    @Test
    @DisplayName("A missing CA file stops the start, naming the listener and the file")
    void missingCa() {
        Path missing = dir.resolve("missing-ca.pem");
        assertStartFails(new TlsConfig(server.cert(), server.key(), missing, ClientAuth.REQUIRED,
                CertificateUsername.NONE, null), "listener 'secure': cannot read tls ca file " + missing
                + " (no such file)");
    }

    @Test
    @DisplayName("A file that holds no certificate, or no key, stops the start naming it")
    void notACertificateOrKey() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "this is not PEM\n");
        assertThatThrownBy(() -> start(new TlsConfig(notes, server.key(), null, null, null, null)))
                .isInstanceOf(ListenerException.class)
                .hasMessageStartingWith("listener 'secure': tls cert file " + notes + ": ");
        assertStartFails(new TlsConfig(server.cert(), server.cert(), null, null, null, null),
                "listener 'secure': tls key file " + server.cert() + ": no PEM private key in it");
    }

    @Test
    @DisplayName("A key that does not belong to the certificate stops the start")
    void keyOfAnotherCertificate() {
        assertStartFails(new TlsConfig(server.cert(), other.key(), null, null, null, null),
                "listener 'secure': tls key file " + other.key() + ": the key does not belong to the certificate "
                        + "in " + server.cert());
    }

    @Test
    @DisplayName("After a failed start the listeners opened before it are closed again")
    void listenersOpenedBeforeAreClosed() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        BrokerConfig config = BrokerConfig.builder().set(ConfigKeys.HTTP_PORT, 0).set(IN_MEMORY, true).set(IO_THREADS, 1).set(LISTENERS, List.of(
                ListenerConfig.tcp("plain", "127.0.0.1", port),
                Listeners.tls("secure", new TlsConfig(dir.resolve("nothing.pem"), server.key(), null, null, null,
                        null)))).build();
        assertThatThrownBy(() -> Broker.start(config)).isInstanceOf(ListenerException.class);
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            assertThat(again.isBound()).isTrue();
        }
    }

    private static void assertStartFails(TlsConfig tls, String message) {
        assertThatThrownBy(() -> start(tls)).isInstanceOf(ListenerException.class).hasMessage(message);
    }

    private static void start(TlsConfig tls) throws InterruptedException {
        BrokerConfig config = BrokerConfig.builder().set(ConfigKeys.HTTP_PORT, 0).set(IN_MEMORY, true).set(IO_THREADS, 1)
                .set(LISTENERS, List.of(Listeners.tls("secure", tls))).build();
        try (Broker broker = Broker.start(config)) {
            throw new AssertionError("started on port " + broker.port());
        }
    }
}
