package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Client certificates: required or optional, from the configured CA only (mutual TLS). */
class ClientCertificateTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates stranger;
    static TestCertificates.Pem server;
    static TestCertificates.Pem alice;
    static TestCertificates.Pem mallory;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "mtls");
        stranger = TestCertificates.authority(dir, "stranger");
        server = ca.server("server");
        alice = ca.client("alice", "alice");
        mallory = stranger.client("mallory", "alice");
    }

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            Listeners.tls("required", Listeners.clientAuthTls(server, ca, ClientAuth.REQUIRED,
                    CertificateUsername.NONE)),
            Listeners.tls("optional", Listeners.clientAuthTls(server, ca, ClientAuth.OPTIONAL,
                    CertificateUsername.NONE)))));

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    @Test
    @DisplayName("client-auth required: mosquitto_pub and mosquitto_sub with --cert/--key get in")
    void mosquittoWithClientCertificateOnRequired() {
        int port = broker.broker().port("required");
        MosquittoClients.Result pub = MosquittoClients.pub(port, tlsArgs(alice, "-i", "mtls-pub", "-t", "mtls/a",
                "-q", "1", "-r", "-m", "signed"));
        assertThat(pub.exitCode()).as(pub.stderr()).isZero();
        MosquittoClients.Result sub = MosquittoClients.sub(port, tlsArgs(alice, "-i", "mtls-sub", "-t", "mtls/a",
                "-C", "1", "-W", "10"));
        assertThat(sub.exitCode()).as(sub.stderr()).isZero();
        assertThat(sub.lines()).containsExactly("signed");
    }

    @Test
    @DisplayName("client-auth required: a client without a certificate is refused (mosquitto_pub, Paho)")
    void noCertificateIsRefusedOnRequired() {
        int port = broker.broker().port("required");
        MosquittoClients.Result pub = MosquittoClients.pub(port, "--cafile", ca.caFile().toString(),
                "-i", "mtls-nocert", "-t", "mtls/x", "-m", "x");
        assertThat(pub.exitCode()).isNotZero();
        assertThatThrownBy(() -> clients.connect("ssl://127.0.0.1:" + port, "mtls-paho-nocert",
                ca.socketFactory(null))).isInstanceOf(MqttException.class);
    }

    @Test
    @DisplayName("client-auth required: Paho presenting a certificate from the CA gets in and exchanges messages")
    void pahoWithClientCertificateOnRequired() throws Exception {
        String uri = "ssl://127.0.0.1:" + broker.broker().port("required");
        PahoClients.Inbox sub = clients.connect(uri, "mtls-paho-sub", ca.socketFactory(alice)).subscribe("mtls/p");
        clients.connect(uri, "mtls-paho-pub", ca.socketFactory(alice)).publish("mtls/p", "mutual");
        assertThat(sub.next()).isEqualTo("mtls/p|mutual");
    }

    @Test
    @DisplayName("client-auth optional: clients with and without a certificate get in")
    void optionalLetsBothIn() {
        int port = broker.broker().port("optional");
        MosquittoClients.Result without = MosquittoClients.pub(port, "--cafile", ca.caFile().toString(),
                "-i", "mtls-opt-without", "-t", "mtls/o", "-m", "x");
        assertThat(without.exitCode()).as(without.stderr()).isZero();
        MosquittoClients.Result with = MosquittoClients.pub(port, tlsArgs(alice, "-i", "mtls-opt-with",
                "-t", "mtls/o", "-m", "x"));
        assertThat(with.exitCode()).as(with.stderr()).isZero();
    }

    @Test
    @DisplayName("A client certificate from another CA is refused, whether certificates are required or optional")
    void certificateFromAnotherCaIsRefused() {
        for (String listener : List.of("required", "optional")) {
            MosquittoClients.Result pub = MosquittoClients.pub(broker.broker().port(listener),
                    tlsArgs(mallory, "-i", "mtls-stranger-" + listener, "-t", "mtls/x", "-m", "x"));
            assertThat(pub.exitCode()).as(listener).isNotZero();
            assertThatThrownBy(() -> clients.connect("ssl://127.0.0.1:" + broker.broker().port(listener),
                    "mtls-paho-stranger-" + listener, ca.socketFactory(mallory)))
                    .as(listener).isInstanceOf(MqttException.class);
        }
    }

    /** --cafile (the test CA), --cert and --key of the client, then the rest. */
    private static String[] tlsArgs(TestCertificates.Pem client, String... rest) {
        List<String> args = new java.util.ArrayList<>(List.of("--cafile", ca.caFile().toString(),
                "--cert", client.cert().toString(), "--key", client.key().toString()));
        args.addAll(List.of(rest));
        return args.toArray(String[]::new);
    }
}
