package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client certificate as the login, beside a password file: on a TLS listener with certificate-username, the
 * certificate's name gets in without a password (it is not in the password file), and the ACL applies to that name.
 * Password users keep logging in on the plain listener.
 */
class CertificateLoginTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;
    static TestCertificates.Pem carol;

    private SecuredBroker broker;
    private final List<MqttClient> clients = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "login");
        server = ca.server("server");
        carol = ca.client("carol", "carol");
    }

    @BeforeEach
    void start() throws Exception {
        Path passwords = SecuredBroker.writePasswords(dir);
        Path acl = SecuredBroker.write(dir.resolve("acl"), "user carol", "topic readwrite carol/#", "user alice",
                "topic readwrite #");
        broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords).set(ACL_FILE, acl).set(LISTENERS, List.of(
                new ListenerConfig("certs", ListenerConfig.Transport.TLS, "127.0.0.1", 0, null, false, 0,
                        Listeners.clientAuthTls(server, ca, ClientAuth.REQUIRED, CertificateUsername.CN)),
                new ListenerConfig("passwords", ListenerConfig.Transport.TCP, "127.0.0.1", 0, null, false, 0,
                        null))));
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttClient c : clients) {
            if (c.isConnected()) {
                c.disconnect(0);
            }
            c.close(true);
        }
        broker.close();
    }

    @Test
    @DisplayName("The certificate's CN logs in without a password; the ACL of that name applies")
    void certificateNameNeedsNoPassword() throws Exception {
        MqttConnectOptions options = options();
        options.setSocketFactory(ca.socketFactory(carol));
        MqttClient client = client("ssl://127.0.0.1:" + broker.broker.port("certs"), "carol-device", options);
        List<String> received = new CopyOnWriteArrayList<>();
        client.subscribe("carol/#", 1, (topic, message) -> received.add(topic));
        client.publish("carol/lamp", "on".getBytes(StandardCharsets.UTF_8), 1, false);
        await().until(() -> received.contains("carol/lamp"));
        // Not hers to read: SUBACK failure (0x80 in 3.1.1), which Paho reports as granted QoS 128.
        assertThat(client.subscribeWithResponse(new String[] {"alice/#"}).getGrantedQos()).containsExactly(128);
    }

    @Test
    @DisplayName("On the password listener the same name without a password file entry is refused (3.1.1 code 4)")
    void passwordListenerStillAsksForThePassword() throws Exception {
        MqttConnectOptions options = options();
        options.setUserName("carol");
        options.setPassword("anything".toCharArray());
        assertThatThrownBy(() -> client("tcp://127.0.0.1:" + broker.broker.port("passwords"), "carol-tcp", options))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode())
                        .isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        MqttConnectOptions alice = options();
        alice.setUserName("alice");
        alice.setPassword("alice-pw".toCharArray());
        assertThat(client("tcp://127.0.0.1:" + broker.broker.port("passwords"), "alice-tcp", alice).isConnected())
                .isTrue();
    }

    private MqttClient client(String uri, String clientId, MqttConnectOptions options) throws MqttException {
        MqttClient client = new MqttClient(uri, clientId, new MemoryPersistence());
        clients.add(client);
        client.connect(options);
        return client;
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setKeepAliveInterval(0);
        options.setConnectionTimeout(10);
        return options;
    }
}
