package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.TestCertificates;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MQTT over TLS: Paho, the HiveMQ client and mosquitto_pub/sub; TLS 1.2-only and 1.3-only listeners. */
class TlsListenerTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "tls");
        server = ca.server("server");
    }

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            Listeners.tls("tls", Listeners.serverTls(server)),
            Listeners.tls("tls12", Listeners.serverTls(server, "TLSv1.2")),
            Listeners.tls("tls13", Listeners.serverTls(server, "TLSv1.3")))));

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    @Test
    @DisplayName("On 64-bit Linux, TLS listeners run on BoringSSL (netty-tcnative) rather than the JDK")
    void boringSslIsUsedOnLinux() {
        boolean linux64 = System.getProperty("os.name").startsWith("Linux")
                && List.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"));
        if (linux64) {
            assertThat(OpenSsl.isAvailable()).as("BoringSSL loads: %s", OpenSsl.unavailabilityCause()).isTrue();
        }
        assertThat(TlsContexts.provider(Listeners.serverTls(server)))
                .isEqualTo(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    @ParameterizedTest(name = "TLS through {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    @DisplayName("Paho (ssl://) and the HiveMQ client exchange messages over TLS, through BoringSSL and the JDK")
    void pahoAndHiveMqExchangeMessagesOverTls(String provider) throws Exception {
        if (provider.equals("jdk")) {
            System.setProperty(TlsContexts.PROVIDER_PROPERTY, "jdk");
            try {
                broker.restart();
            } finally {
                System.clearProperty(TlsContexts.PROVIDER_PROPERTY);
            }
        }
        int port = broker.broker().port("tls");
        PahoClients.Inbox paho = clients.connect("ssl://127.0.0.1:" + port, "tls-paho-" + provider,
                ca.socketFactory(null)).subscribe("tls/" + provider + "/hive");
        Mqtt5BlockingClient hive = MqttClient.builder().useMqttVersion5().identifier("tls-hive-" + provider)
                .serverHost("127.0.0.1").serverPort(port)
                .sslConfig().trustManagerFactory(ca.trustManagerFactory()).applySslConfig()
                .buildBlocking();
        hive.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = hive.publishes(MqttGlobalPublishFilter.ALL)) {
            hive.subscribeWith().topicFilter("tls/" + provider + "/paho").qos(MqttQos.AT_LEAST_ONCE).send();

            hive.publishWith().topic("tls/" + provider + "/hive").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("from hive".getBytes(StandardCharsets.UTF_8)).send();
            assertThat(paho.next()).isEqualTo("tls/" + provider + "/hive|from hive");

            paho.publish("tls/" + provider + "/paho", "from paho");
            Optional<Mqtt5Publish> received = publishes.receive(10, TimeUnit.SECONDS);
            assertThat(received).hasValueSatisfying(p ->
                    assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("from paho"));
        } finally {
            hive.disconnect();
        }
    }

    @Test
    @DisplayName("A listener with both versions negotiates TLS 1.3, and TLS 1.2 with a client that has only 1.2")
    void defaultListenerOffersBothVersions() throws Exception {
        int port = broker.broker().port("tls");
        assertThat(ca.handshake(port, null).protocol()).isEqualTo("TLSv1.3");
        assertThat(ca.handshake(port, null, "TLSv1.2").protocol()).isEqualTo("TLSv1.2");
    }

    @Test
    @DisplayName("A TLSv1.2-only listener lets a TLS 1.2 client in and refuses a TLS 1.3-only client")
    void tls12OnlyListener() throws Exception {
        int port = broker.broker().port("tls12");
        assertThat(ca.handshake(port, null).protocol()).isEqualTo("TLSv1.2");
        assertThatThrownBy(() -> ca.handshake(port, null, "TLSv1.3")).isInstanceOf(SSLException.class);

        clients.connect("ssl://127.0.0.1:" + port, "tls12-in", ca.socketFactory(null, "TLSv1.2"));
        assertThatThrownBy(() -> clients.connect("ssl://127.0.0.1:" + port, "tls12-out",
                ca.socketFactory(null, "TLSv1.3"))).isInstanceOf(MqttException.class);
    }

    @Test
    @DisplayName("A TLSv1.3-only listener lets a TLS 1.3 client in and refuses a TLS 1.2-only client")
    void tls13OnlyListener() throws Exception {
        int port = broker.broker().port("tls13");
        assertThat(ca.handshake(port, null).protocol()).isEqualTo("TLSv1.3");
        assertThatThrownBy(() -> ca.handshake(port, null, "TLSv1.2")).isInstanceOf(SSLException.class);

        clients.connect("ssl://127.0.0.1:" + port, "tls13-in", ca.socketFactory(null, "TLSv1.3"));
        assertThatThrownBy(() -> clients.connect("ssl://127.0.0.1:" + port, "tls13-out",
                ca.socketFactory(null, "TLSv1.2"))).isInstanceOf(MqttException.class);
    }

    @Test
    @DisplayName("mosquitto_pub and mosquitto_sub with --cafile publish and receive over TLS")
    void mosquittoClientsWithCafile() {
        int port = broker.broker().port("tls");
        String cafile = ca.caFile().toString();
        MosquittoClients.Result pub = MosquittoClients.pub(port, "--cafile", cafile, "-i", "tls-mpub",
                "-t", "tls/mosquitto", "-q", "1", "-r", "-m", "kept over tls");
        assertThat(pub.exitCode()).as(pub.stderr()).isZero();
        MosquittoClients.Result sub = MosquittoClients.sub(port, "--cafile", cafile, "-i", "tls-msub",
                "-t", "tls/mosquitto", "-C", "1", "-W", "10");
        assertThat(sub.exitCode()).as(sub.stderr()).isZero();
        assertThat(sub.lines()).containsExactly("kept over tls");
    }

    @Test
    @DisplayName("mosquitto_pub asking at least TLS 1.3 is refused by the TLSv1.2-only listener")
    void mosquittoTls13RefusedByTls12Listener() {
        MosquittoClients.Result pub = MosquittoClients.pub(broker.broker().port("tls12"), "--cafile",
                ca.caFile().toString(), "--tls-version", "tlsv1.3", "-i", "tls-mpub13", "-t", "tls/x", "-m", "x");
        assertThat(pub.exitCode()).isNotZero();
    }

    @Test
    @DisplayName("A client that does not trust the broker's CA does not get in (mosquitto_pub with another CA)")
    void untrustedServerCertificateIsRejectedByTheClient(@TempDir Path other) {
        TestCertificates stranger = TestCertificates.authority(other, "stranger");
        MosquittoClients.Result pub = MosquittoClients.pub(broker.broker().port("tls"), "--cafile",
                stranger.caFile().toString(), "-i", "tls-untrusted", "-t", "tls/x", "-m", "x");
        assertThat(pub.exitCode()).isNotZero();
    }
}
