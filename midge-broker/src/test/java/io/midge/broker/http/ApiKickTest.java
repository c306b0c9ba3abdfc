package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code DELETE /api/v1/clients/{id}}: the kick, and with {@code ?session=true} the end of the session. */
class ApiKickTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    private static Connect persistent(MqttVersion version, String clientId, boolean cleanStart) {
        MqttProperties props = version == MqttVersion.MQTT_5 ? MqttProperties.builder()
                .add(PropertyId.SESSION_EXPIRY_INTERVAL, 300).build() : MqttProperties.EMPTY;
        return new Connect(version, clientId, cleanStart, 0, null, null, null, props);
    }

    @Test
    @DisplayName("A kicked 5.0 client gets DISCONNECT 0x98 Administrative action (MQTT 5.0 3.14.2.1) and its session "
            + "stays")
    void aKicked5ClientGetsAdministrativeAction() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(persistent(MqttVersion.MQTT_5, "k5", true));
            assertThat(api.delete("/api/v1/clients/k5").status()).isEqualTo(204);
            Disconnect disconnect = client.receive(Disconnect.class);
            assertThat(disconnect.reasonCode()).isEqualTo(ReasonCode.ADMINISTRATIVE_ACTION);
            client.awaitClose();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(api.get("/api/v1/clients/k5").json().get("connected").asBoolean()).isFalse());
        try (RawClient again = new RawClient(broker.port())) {
            ConnAck connAck = again.connect(persistent(MqttVersion.MQTT_5, "k5", false));
            assertThat(connAck.sessionPresent()).isTrue();
        }
    }

    @Test
    @DisplayName("A kicked 3.1.1 client is closed: 3.1.1 has no DISCONNECT from the server (MQTT-3.14.0)")
    void aKicked311ClientIsClosed() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(persistent(MqttVersion.MQTT_3_1_1, "k3", true));
            assertThat(api.delete("/api/v1/clients/k3").status()).isEqualTo(204);
            assertThat(client.awaitClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("?session=true discards the session: a reconnect with clean start 0 gets session present 0 "
            + "(MQTT-3.2.2-3)")
    void sessionTrueDiscardsTheSession() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(persistent(MqttVersion.MQTT_5, "gone", true));
            assertThat(api.delete("/api/v1/clients/gone?session=true").status()).isEqualTo(204);
            assertThat(client.receive(Disconnect.class).reasonCode()).isEqualTo(ReasonCode.ADMINISTRATIVE_ACTION);
        }
        assertThat(api.get("/api/v1/clients/gone").status()).isEqualTo(404);
        try (RawClient again = new RawClient(broker.port())) {
            ConnAck connAck = again.connect(persistent(MqttVersion.MQTT_5, "gone", false));
            assertThat(connAck.sessionPresent()).isFalse();
        }
    }

    @Test
    void anOfflineSessionIsDiscardedToo() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(persistent(MqttVersion.MQTT_5, "off", true));
            client.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
            client.awaitClose();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(api.get("/api/v1/clients/off").json().get("connected").asBoolean()).isFalse());
        assertThat(api.delete("/api/v1/clients/off?session=maybe").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/clients/off").status()).isEqualTo(200); // the refused request changed nothing
        assertThat(api.delete("/api/v1/clients/off?session=true").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/clients/off").status()).isEqualTo(404);
    }
}
