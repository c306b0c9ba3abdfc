package io.midge.client;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.midge.client.testing.TestCertificates;
import io.midge.codec.protocol.MqttVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS with a client certificate, WebSocket and secure WebSocket against Midge's own listeners. */
class MidgeTransportsTest {
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static Broker broker;

    @BeforeAll
    static void start() throws InterruptedException {
        certs = TestCertificates.create(dir);
        TlsConfig tls = new TlsConfig(certs.file("server.pem"), certs.file("server.key"), certs.file("ca.pem"),
                TlsConfig.ClientAuth.REQUIRED, null, null);
        broker = Broker.start(BrokerConfig.builder().set(ConfigKeys.HTTP_PORT, 0).set(HOST, "127.0.0.1").set(IO_THREADS, 1).set(IN_MEMORY, true)
                .set(LISTENERS, List.of(
                        new ListenerConfig("tls", ListenerConfig.Transport.TLS, "127.0.0.1", 0, null, true, 0, tls),
                        new ListenerConfig("ws", ListenerConfig.Transport.WS, "127.0.0.1", 0, "/mqtt", true, 0, null),
                        new ListenerConfig("wss", ListenerConfig.Transport.WSS, "127.0.0.1", 0, "/mqtt", true, 0,
                                tls)))
                .build());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static TlsSettings clientTls() {
        return TlsSettings.builder().caFile(certs.file("ca.pem"))
                .clientCertificate(certs.file("client.pem"), certs.file("client.key")).build();
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void tlsWithAClientCertificate(MqttVersion version) throws InterruptedException {
        try (MidgeClient client = MidgeClient.builder().port(broker.port("tls")).version(version).tls(clientTls())
                .build()) {
            roundTrip(client, "midge/tls");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void webSocket(MqttVersion version) throws InterruptedException {
        try (MidgeClient client = MidgeClient.builder().port(broker.port("ws")).version(version).webSocket("/mqtt")
                .build()) {
            roundTrip(client, "midge/ws");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void secureWebSocket(MqttVersion version) throws InterruptedException {
        try (MidgeClient client = MidgeClient.builder().port(broker.port("wss")).version(version).tls(clientTls())
                .webSocket("/mqtt").build()) {
            roundTrip(client, "midge/wss");
        }
    }

    @Test
    void withoutTheRequiredClientCertificateTheConnectionFails() {
        TlsSettings noCertificate = TlsSettings.builder().caFile(certs.file("ca.pem")).build();
        try (MidgeClient client = MidgeClient.builder().port(broker.port("tls")).tls(noCertificate)
                .reconnect(ReconnectPolicy.none()).build()) {
            assertThatThrownBy(() -> client.connect().orTimeout(10, TimeUnit.SECONDS).join())
                    .cause().isInstanceOf(MqttClientException.class);
        }
    }

    private static void roundTrip(MidgeClient client, String topic) throws InterruptedException {
        BlockingClient blocking = client.blocking();
        blocking.connect();
        blocking.subscribe(topic, 2);
        for (int qos = 0; qos <= 2; qos++) {
            blocking.publish(topic, "q" + qos, qos);
            IncomingMessage m = blocking.receive(Duration.ofSeconds(5));
            assertThat(m).as("message at QoS %d", qos).isNotNull();
            assertThat(m.payloadAsString()).isEqualTo("q" + qos);
            assertThat(m.qos()).isEqualTo(qos);
        }
    }
}
