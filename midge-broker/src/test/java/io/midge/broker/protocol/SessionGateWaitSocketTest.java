package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.broker.testing.BrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bound on a CONNECT's wait for the cluster's session gate, over real sockets with real clients: a broker whose
 * session registry has a gate that holds its answer (as a node's would while Hazelcast hangs), and its bound cut to
 * half a second. {@link SessionGateWaitTest} checks the bound's own value, on EmbeddedChannels.
 */
class SessionGateWaitSocketTest {
    private static final long BOUND_MILLIS = 500;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final HeldGate gate = new HeldGate(BOUND_MILLIS);

    @BeforeEach
    void gate() {
        broker.broker().sessions().setGate(gate);
    }

    private Mqtt5BlockingClient hive(String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
    }

    @Test
    @DisplayName("MQTT 5.0 3.2.2.2 / 4.13: the HiveMQ client, its session's gate silent, gets CONNACK 0x88 Server "
            + "unavailable with a Reason String; the gate's late \"yes\" opens the session offline, the next CONNECT "
            + "resumes it (Session Present 1), and the refused will is never published")
    void hiveMqRefusedThenSessionOpensOffline() {
        CompletableFuture<SessionGate.Refusal> answer = gate.hold("hive-late");
        Mqtt5BlockingClient client = hive("hive-late");
        Throwable refused = catchThrowable(() -> client.connectWith().cleanStart(false).sessionExpiryInterval(300)
                .willPublish().topic("last/words").payload("gone".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send());
        assertThat(refused).isInstanceOf(Mqtt5ConnAckException.class);
        Mqtt5ConnAck connAck = ((Mqtt5ConnAckException) refused).getMqttMessage();
        assertThat(connAck.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE);
        assertThat(connAck.getReasonString().orElseThrow().toString()).contains("the cluster did not answer in time");

        answer.complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Session s = broker.broker().sessions().get("hive-late");
            return s != null && !s.isOnline() && s.expiryIntervalSeconds() == 300;
        });

        Mqtt5BlockingClient again = hive("hive-late");
        try {
            assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent())
                    .isTrue();
        } finally {
            again.disconnect();
        }
        assertThat(broker.broker().metrics().willsPublished.sum()).isZero();
        assertThat(gate.ended).isEmpty();
    }

    @Test
    @DisplayName("MQTT 3.1.1 3.2.2.3: Paho 3.1.1, its session's gate silent, is refused with return code 3 (Server "
            + "unavailable)")
    void paho311Refused() throws MqttException {
        gate.hold("paho-late");
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho-late", new MemoryPersistence());
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(false);
            options.setAutomaticReconnect(false);
            options.setWill("last/words", "gone".getBytes(StandardCharsets.UTF_8), 1, false);
            Throwable refused = catchThrowable(() -> client.connect(options));
            assertThat(refused).isInstanceOf(MqttException.class);
            assertThat(((MqttException) refused).getReasonCode())
                    .isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);
        } finally {
            client.close(true);
        }
    }
}
