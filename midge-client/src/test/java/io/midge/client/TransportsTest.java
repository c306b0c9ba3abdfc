package io.midge.client;

import io.midge.client.testing.MosquittoBroker;
import io.midge.client.testing.TestCertificates;
import io.midge.codec.protocol.MqttVersion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.midge.client.testing.Failures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS (with a client certificate) and WebSocket, against a Mosquitto with a TLS listener that requires client
 * certificates and a WebSocket listener: the client against a second broker (MidgeTransportsTest has Midge's).
 */
class TransportsTest {
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static MosquittoBroker mosquitto;
    private static int tlsPort;
    private static int wsPort;
    private static int wrongNamePort;

    @BeforeAll
    static void start() {
        certs = TestCertificates.create(dir);
        tlsPort = MosquittoBroker.freePort();
        wsPort = MosquittoBroker.freePort();
        wrongNamePort = MosquittoBroker.freePort();
        mosquitto = MosquittoBroker.start(List.of(
                "listener " + tlsPort + " 127.0.0.1",
                "cafile " + certs.file("ca.pem"),
                "certfile " + certs.file("server.pem"),
                "keyfile " + certs.file("server.key"),
                "require_certificate true",
                "listener " + wrongNamePort + " 127.0.0.1",
                "cafile " + certs.file("ca.pem"),
                "certfile " + certs.file("elsewhere.pem"),
                "keyfile " + certs.file("elsewhere.key"),
                "listener " + wsPort + " 127.0.0.1",
                "protocol websockets"));
        MosquittoBroker.awaitPort(tlsPort);
        MosquittoBroker.awaitPort(wsPort);
        MosquittoBroker.awaitPort(wrongNamePort);
    }

    @AfterAll
    static void stop() {
        mosquitto.close();
    }

    private static TlsSettings.Builder trusting(String ca) {
        return TlsSettings.builder().caFile(certs.file(ca));
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void tlsWithAClientCertificateCarriesMessages(MqttVersion version) throws InterruptedException {
        TlsSettings tls = trusting("ca.pem")
                .clientCertificate(certs.file("client.pem"), certs.file("client.key")).build();
        try (MidgeClient client = MidgeClient.builder().port(tlsPort).version(version).tls(tls).build()) {
            roundTrip(client, "tls/" + version);
        }
    }

    @Test
    void aBrokerCertificateFromAnUnknownAuthorityFailsWithATlsMessageAndNoRetry() {
        TlsSettings tls = trusting("other-ca.pem")
                .clientCertificate(certs.file("client.pem"), certs.file("client.key")).build();
        try (MidgeClient client = MidgeClient.builder().port(tlsPort).tls(tls).build()) {
            assertThat(failureOf(client.connect()).kind()).isEqualTo(MqttClientException.Kind.TLS);
        }
    }

    @Test
    void hostnameVerificationRefusesACertificateForAnotherName() {
        TlsSettings tls = trusting("ca.pem")
                .clientCertificate(certs.file("client.pem"), certs.file("client.key")).build();
        // That listener's certificate (from the trusted authority) names elsewhere.example, not 127.0.0.1.
        try (MidgeClient client = MidgeClient.builder().port(wrongNamePort).tls(tls).build()) {
            assertThat(failureOf(client.connect()).kind()).isEqualTo(MqttClientException.Kind.TLS);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void webSocketCarriesMessages(MqttVersion version) throws InterruptedException {
        try (MidgeClient client = MidgeClient.builder().port(wsPort).version(version).webSocket("/mqtt").build()) {
            roundTrip(client, "ws/" + version);
        }
    }

    private static void roundTrip(MidgeClient client, String topic) throws InterruptedException {
        BlockingClient blocking = client.blocking();
        blocking.connect();
        blocking.subscribe(topic, 2);
        for (int qos = 0; qos <= 2; qos++) {
            blocking.publish(topic, "q" + qos, qos);
            IncomingMessage m = blocking.receive(java.time.Duration.ofSeconds(5));
            assertThat(m).as("message at QoS %d (mosquitto log: %s)", qos, mosquitto.log()).isNotNull();
            assertThat(m.payloadAsString()).isEqualTo("q" + qos);
            assertThat(m.qos()).isEqualTo(qos);
        }
    }
}
