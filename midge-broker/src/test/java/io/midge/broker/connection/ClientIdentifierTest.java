package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttClientIdentifier;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Zero-length client identifiers: allowed with clean session in 3.1.1, assigned by the broker in 5.0. */
class ClientIdentifierTest {
    private static final String EMPTY_ID_CLEAN_311 = "10 0C 00 04 4D 51 54 54 04 02 00 00 00 00";
    private static final String EMPTY_ID_PERSISTENT_311 = "10 0C 00 04 4D 51 54 54 04 00 00 00 00 00";

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    @DisplayName("MQTT-3.1.3-6: 3.1.1, a zero-length client identifier with clean session is accepted")
    void emptyIdWithCleanSessionIsAcceptedIn311() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex(EMPTY_ID_CLEAN_311);
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            wire.sendHex("C0 00");
            assertThat(wire.read(2)).isEqualTo("D0 00");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-6: 3.1.1, two clients with zero-length identifiers get unique ones: neither takes the other over")
    void twoEmptyIdClientsDoNotTakeEachOtherOver() throws Exception {
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.sendHex(EMPTY_ID_CLEAN_311);
            assertThat(first.read(4)).isEqualTo("20 02 00 00");
            second.sendHex(EMPTY_ID_CLEAN_311);
            assertThat(second.read(4)).isEqualTo("20 02 00 00");
            first.sendHex("C0 00");
            assertThat(first.read(2)).isEqualTo("D0 00");
            second.sendHex("C0 00");
            assertThat(second.read(2)).isEqualTo("D0 00");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-8: 3.1.1, a zero-length client identifier without clean session gets CONNACK 0x02, then the close")
    void emptyIdWithoutCleanSessionIsRejectedIn311() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex(EMPTY_ID_PERSISTENT_311);
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 02");
        }
    }

    @Test
    @DisplayName("MQTT 3.1 §3.1: a zero-length client identifier is rejected in 3.1 with CONNACK 0x02")
    void emptyIdIsRejectedIn31() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1, "");
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 02");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-6: a Paho v3 client with an empty client id and clean session connects")
    void pahoV3WithEmptyIdConnects() throws Exception {
        MqttClient paho = new MqttClient(broker.uri(), "", new MemoryPersistence());
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            paho.connect(options);
            assertThat(paho.isConnected()).isTrue();
            paho.publish("client-id/empty", new byte[] {1}, 1, false); // acknowledged: the connection works
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-7 (5.0): a zero-length client identifier gets a unique Assigned Client Identifier in CONNACK")
    void emptyIdGetsAnAssignedIdentifierIn5() throws Exception {
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            ConnAck firstAck = first.version(MqttVersion.MQTT_5).connect("");
            ConnAck secondAck = second.version(MqttVersion.MQTT_5).connect("");
            String firstId = firstAck.properties().string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
            String secondId = secondAck.properties().string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
            assertThat(firstId).isNotEmpty();
            assertThat(secondId).isNotEmpty().isNotEqualTo(firstId);
        }
    }

    @Test
    @DisplayName("5.0: a client that names itself gets no Assigned Client Identifier")
    void namedClientGetsNoAssignedIdentifier() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.version(MqttVersion.MQTT_5).connect("named-client");
            assertThat(ack.properties().contains(PropertyId.ASSIGNED_CLIENT_IDENTIFIER)).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-7 (5.0): the HiveMQ client learns its Assigned Client Identifier")
    void hiveMqClientLearnsItsAssignedIdentifier() {
        Mqtt5BlockingClient client = Mqtt5Client.builder()
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        try {
            Mqtt5ConnAck ack = client.connect();
            assertThat(ack.getAssignedClientIdentifier()).isPresent();
            assertThat(client.getConfig().getClientIdentifier().map(MqttClientIdentifier::toString))
                    .contains(ack.getAssignedClientIdentifier().get().toString());
        } finally {
            client.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-7 (5.0): the Paho v5 client with an empty client id gets an Assigned Client Identifier")
    void pahoV5LearnsItsAssignedIdentifier() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient paho = new org.eclipse.paho.mqttv5.client.MqttClient(
                broker.uri(), "", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            IMqttToken token = paho.connectWithResult(new MqttConnectionOptions());
            assertThat(token.getResponseProperties().getAssignedClientIdentifier()).isNotEmpty();
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-7 (5.0): the broker treats the assigned identifier as the client's own: its session resumes")
    void assignedIdentifierNamesTheSession() throws Exception {
        MqttProperties keepSession = MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build();
        String assigned;
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(new Connect(MqttVersion.MQTT_5, "", false, 0, null, null, null,
                    keepSession));
            assigned = ack.properties().string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
            assertThat(ack.sessionPresent()).isFalse();
        }
        try (RawClient again = new RawClient(broker.port())) {
            ConnAck ack = again.connect(new Connect(MqttVersion.MQTT_5, assigned, false, 0, null, null, null,
                    keepSession));
            assertThat(ack.sessionPresent()).isTrue();
        }
    }
}
