package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.MosquittoClients;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The protocol name and level of CONNECT decide the version; what Midge does not speak is refused. */
class ProtocolVersionTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    @DisplayName("MQTT-3.1.2-2: protocol level 6 gets CONNACK 0x01 (unacceptable protocol version, 3.1.1 form), then the close")
    void unsupportedLevelIsRefusedWithReturnCode1() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("10 0D 00 04 4D 51 54 54 06 02 00 00 00 01 61"); // "MQTT" level 6, client id "a"
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 01");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-2: protocol level 2 (older than 3.1) gets CONNACK 0x01, then the close")
    void olderLevelIsRefusedWithReturnCode1() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("10 0D 00 04 4D 51 54 54 02 02 00 00 00 01 61");
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 01");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-1: a wrong protocol name ('MQTX') closes the connection without CONNACK")
    void wrongProtocolNameIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("10 0D 00 04 4D 51 54 58 04 02 00 00 00 01 61");
            assertThat(wire.readUntilClose()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT 3.1: 'MQIsdp' level 3 is accepted with CONNACK 0 and the connection works")
    void mqtt31ConnectIsAccepted() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1, "v31-raw");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            wire.sendHex("C0 00");
            assertThat(wire.read(2)).isEqualTo("D0 00");
        }
    }

    @Test
    @DisplayName("MQTT 3.1 §3.1: a 3.1 client identifier longer than 23 characters gets CONNACK 0x02")
    void mqtt31LongClientIdIsRejected() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1, "a-client-id-of-24-chars!");
            assertThat(wire.readUntilClose()).isEqualTo("20 02 00 02");
        }
    }

    @Test
    @DisplayName("MQTT 3.1: a Paho v3 client speaking 3.1 exchanges messages with one speaking 3.1.1")
    void pahoMqtt31ClientTalksToMqtt311Client() throws Exception {
        List<String> at31 = new CopyOnWriteArrayList<>();
        List<String> at311 = new CopyOnWriteArrayList<>();
        MqttClient v31 = new MqttClient(broker.uri(), "paho-v31", new MemoryPersistence());
        MqttClient v311 = new MqttClient(broker.uri(), "paho-v311", new MemoryPersistence());
        try {
            MqttConnectOptions options31 = new MqttConnectOptions();
            options31.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
            v31.connect(options31);
            MqttConnectOptions options311 = new MqttConnectOptions();
            options311.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            v311.connect(options311);
            v31.subscribe("versions/to31", 1, (t, m) -> at31.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
            v311.subscribe("versions/to311", 1,
                    (t, m) -> at311.add(new String(m.getPayload(), StandardCharsets.UTF_8)));

            v311.publish("versions/to31", "from 3.1.1".getBytes(StandardCharsets.UTF_8), 1, false);
            v31.publish("versions/to311", "from 3.1".getBytes(StandardCharsets.UTF_8), 2, false);

            await().until(() -> at31.size() == 1 && at311.size() == 1);
            assertThat(at31).containsExactly("from 3.1.1");
            assertThat(at311).containsExactly("from 3.1");
        } finally {
            v31.disconnect();
            v311.disconnect();
            v31.close();
            v311.close();
        }
    }

    @ParameterizedTest(name = "mosquitto -V {0}")
    @ValueSource(strings = {"mqttv31", "mqttv311", "mqttv5"})
    @DisplayName("mosquitto_pub and mosquitto_sub connect in every version and pass a retained message")
    void mosquittoClientsConnectInEveryVersion(String version) {
        String topic = "versions/mosquitto/" + version;
        MosquittoClients.Result pub = MosquittoClients.pub(broker.port(), "-V", version, "-i", "pub-" + version,
                "-t", topic, "-m", "hello " + version, "-r", "-q", "1");
        assertThat(pub.exitCode()).as(pub.stderr()).isZero();
        MosquittoClients.Result sub = MosquittoClients.sub(broker.port(), "-V", version, "-i", "sub-" + version,
                "-t", topic, "-C", "1", "-W", "5");
        assertThat(sub.exitCode()).as(sub.stderr()).isZero();
        assertThat(sub.lines()).containsExactly("hello " + version);
    }
}
