package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.security.Authenticator;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.TestCertificates;
import io.midge.codec.protocol.ReasonCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * certificate-username cn and san: a verified client certificate's common name or first subject alternative name
 * is the client's username, whatever CONNECT carries, and the client is not anonymous. The authenticator records the
 * username it is asked about.
 */
class CertificateUsernameTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;
    static TestCertificates.Pem device;
    static TestCertificates.Pem emailOnly;
    static TestCertificates.Pem noAlternativeName;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "identity");
        server = ca.server("server");
        device = ca.client("device", "device-17", "device17.example.com", "ops@example.com");
        emailOnly = ca.client("email", "gateway", "gw@example.com");
        noAlternativeName = ca.client("plain", "plain-cn");
    }

    /** Client id -> the username the authenticator was asked about ("" for none). */
    private final Map<String, String> usernames = new ConcurrentHashMap<>();
    private final Authenticator recorder = (clientId, username, password, remote) -> {
        usernames.put(clientId, username == null ? "" : username);
        return CompletableFuture.completedFuture(ReasonCode.SUCCESS);
    };

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            noAnonymous("cn", Listeners.clientAuthTls(server, ca, ClientAuth.REQUIRED, CertificateUsername.CN)),
            noAnonymous("san", Listeners.clientAuthTls(server, ca, ClientAuth.OPTIONAL, CertificateUsername.SAN)),
            noAnonymous("plain", Listeners.clientAuthTls(server, ca, ClientAuth.REQUIRED,
                    CertificateUsername.NONE))))).withAuthenticator(recorder);

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    private static ListenerConfig noAnonymous(String name, TlsConfig tls) {
        return new ListenerConfig(name, ListenerConfig.Transport.TLS, "127.0.0.1", 0, null, false, 0, tls);
    }

    @Test
    @DisplayName("certificate-username cn: the certificate's CN is the username, overriding CONNECT's")
    void commonNameOverridesTheConnectUsername() throws Exception {
        MqttConnectOptions options = PahoClients.options();
        options.setSocketFactory(ca.socketFactory(device));
        options.setUserName("impostor");
        options.setPassword("secret".toCharArray());
        clients.connect(uri("cn"), "cn-override", options);
        assertThat(usernames).containsEntry("cn-override", "device-17");
    }

    @Test
    @DisplayName("certificate-username cn: a certificate without a CONNECT username is not anonymous "
            + "(allow-anonymous false lets it in)")
    void certificateClientIsNotAnonymous() throws Exception {
        clients.connect(uri("cn"), "cn-no-username", ca.socketFactory(device));
        assertThat(usernames).containsEntry("cn-no-username", "device-17");
    }

    @Test
    @DisplayName("certificate-username cn with mosquitto_pub --cert/--key")
    void commonNameWithMosquitto() {
        MosquittoClients.Result pub = MosquittoClients.pub(broker.broker().port("cn"), "--cafile",
                ca.caFile().toString(), "--cert", device.cert().toString(), "--key", device.key().toString(),
                "-i", "cn-mosquitto", "-u", "someone", "-P", "x", "-t", "id/t", "-m", "x");
        assertThat(pub.exitCode()).as(pub.stderr()).isZero();
        await().until(() -> usernames.containsKey("cn-mosquitto"));
        assertThat(usernames).containsEntry("cn-mosquitto", "device-17");
    }

    @Test
    @DisplayName("certificate-username san: the first subject alternative name (DNS name or e-mail address) is the "
            + "username")
    void firstAlternativeNameIsTheUsername() throws Exception {
        MqttConnectOptions options = PahoClients.options();
        options.setSocketFactory(ca.socketFactory(device));
        options.setUserName("impostor");
        clients.connect(uri("san"), "san-dns", options);
        clients.connect(uri("san"), "san-email", ca.socketFactory(emailOnly));
        assertThat(usernames).containsEntry("san-dns", "device17.example.com")
                .containsEntry("san-email", "gw@example.com");
    }

    @Test
    @DisplayName("certificate-username san: a certificate without a subject alternative name is refused with "
            + "Not authorized")
    void certificateWithoutTheNameIsRefused() {
        assertThatThrownBy(() -> clients.connect(uri("san"), "san-none", ca.socketFactory(noAlternativeName)))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode())
                        .isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
        assertThat(usernames).doesNotContainKey("san-none");
    }

    @Test
    @DisplayName("certificate-username san with client-auth optional: without a certificate, CONNECT's username "
            + "counts, and no username is anonymous (refused here)")
    void withoutCertificateTheConnectUsernameCounts() throws Exception {
        MqttConnectOptions options = PahoClients.options();
        options.setSocketFactory(ca.socketFactory(null));
        options.setUserName("bob");
        options.setPassword("pw".toCharArray());
        clients.connect(uri("san"), "san-bob", options);
        assertThat(usernames).containsEntry("san-bob", "bob");

        assertThatThrownBy(() -> clients.connect(uri("san"), "san-anonymous", ca.socketFactory(null)))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode())
                        .isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    }

    @Test
    @DisplayName("certificate-username none: the certificate does not name the client; CONNECT's username does")
    void withoutCertificateUsernameConnectCounts() throws Exception {
        MqttConnectOptions options = PahoClients.options();
        options.setSocketFactory(ca.socketFactory(device));
        options.setUserName("carol");
        clients.connect(uri("plain"), "plain-carol", options);
        assertThat(usernames).containsEntry("plain-carol", "carol");
    }

    private String uri(String listener) {
        return "ssl://127.0.0.1:" + broker.broker().port(listener);
    }
}
