package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.RawClient;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CONNACK's Session Present flag: 0 on a clean start or when there is no session, 1 when one is resumed. */
class SessionPresentTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    // ------------------------------------------------------------------ 3.1.1, Paho v3

    @Test
    @DisplayName("MQTT-3.2.2-1 (3.1.1): clean session gives Session Present 0, even when a session existed")
    void cleanSessionGivesSessionPresent0() throws Exception {
        String id = "present-clean-311";
        assertThat(connectPahoV3(id, false)).isFalse(); // creates a persistent session
        assertThat(connectPahoV3(id, true)).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-2 / -3 (3.1.1): clean session 0 gives 0 the first time and 1 when the session is resumed")
    void persistentSessionIsPresentWhenResumed() throws Exception {
        String id = "present-resume-311";
        assertThat(connectPahoV3(id, false)).isFalse();
        assertThat(connectPahoV3(id, false)).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.1.2-6 (3.1.1): a clean-session connection ends its session: a later clean session 0 finds none")
    void cleanSessionIsNotKept() throws Exception {
        String id = "present-ended-311";
        assertThat(connectPahoV3(id, true)).isFalse();
        await().until(() -> broker.broker().sessions().get(id) == null);
        assertThat(connectPahoV3(id, false)).isFalse();
    }

    /** Connects, disconnects, and returns the Session Present flag of the CONNACK. */
    private boolean connectPahoV3(String id, boolean cleanSession) throws Exception {
        MqttClient paho = new MqttClient(broker.uri(), id, new MemoryPersistence());
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(cleanSession);
            return paho.connectWithResult(options).getSessionPresent();
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    // ------------------------------------------------------------------ 5.0, Paho v5 and HiveMQ

    @Test
    @DisplayName("MQTT-3.2.2-2 / -3 (5.0): clean start 0 with a Session Expiry Interval resumes the session: 1; clean start 1: 0")
    void pahoV5SessionPresent() throws Exception {
        String id = "present-paho-5";
        assertThat(connectPahoV5(id, false, 60)).isFalse();
        assertThat(connectPahoV5(id, false, 60)).isTrue();
        assertThat(connectPahoV5(id, true, 60)).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.2.2-3 (5.0): after a connection with Session Expiry Interval 0 there is no session to resume")
    void sessionWithExpiry0IsNotResumed() throws Exception {
        String id = "present-expiry0-5";
        assertThat(connectPahoV5(id, false, 0)).isFalse();
        await().until(() -> broker.broker().sessions().get(id) == null);
        assertThat(connectPahoV5(id, false, 0)).isFalse();
    }

    private boolean connectPahoV5(String id, boolean cleanStart, long sessionExpiry) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient paho = new org.eclipse.paho.mqttv5.client.MqttClient(
                broker.uri(), id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(cleanStart);
            options.setSessionExpiryInterval(sessionExpiry);
            return paho.connectWithResult(options).getSessionPresent();
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-3 (5.0): a resumed session keeps its subscription and the messages queued while offline")
    void hiveMqResumedSessionKeepsSubscriptionAndQueue() throws Exception {
        String id = "present-hivemq-5";
        Mqtt5BlockingClient subscriber = Mqtt5Client.builder().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        assertThat(subscriber.connectWith().cleanStart(true).sessionExpiryInterval(60).send().isSessionPresent())
                .isFalse();
        subscriber.subscribeWith().topicFilter("present/hivemq").qos(MqttQos.AT_LEAST_ONCE).send();
        subscriber.disconnect();

        try (RawClient publisher = new RawClient(broker.port())) {
            publisher.version(MqttVersion.MQTT_5).connect("present-hivemq-publisher");
            publisher.send(new Publish("present/hivemq", 1, false, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer("q".getBytes(StandardCharsets.UTF_8))));
            publisher.receive(PubAck.class);
        }

        Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL);
        try {
            assertThat(subscriber.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
                    .isSessionPresent()).isTrue();
            Optional<Mqtt5Publish> queued = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(queued).isPresent();
            assertThat(queued.get().getTopic().toString()).isEqualTo("present/hivemq");
            assertThat(new String(queued.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("q");
        } finally {
            publishes.close();
            subscriber.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-3 (5.0): a RawClient resuming with clean start 0 reads Session Present 1 in the CONNACK byte")
    void rawResumeSetsTheSessionPresentBit() throws Exception {
        MqttProperties expiry = MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 30).build();
        Connect connect = new Connect(MqttVersion.MQTT_5, "present-raw-5", false, 0, null, null, null, expiry);
        try (RawClient first = new RawClient(broker.port())) {
            assertThat(first.connect(connect).sessionPresent()).isFalse();
            first.send(Disconnect.NORMAL);
            first.awaitClose();
        }
        try (RawClient second = new RawClient(broker.port())) {
            assertThat(second.connect(connect).sessionPresent()).isTrue();
        }
    }

    @Test
    @DisplayName("mosquitto_sub -c: a persistent 3.1.1 session receives, on its return, a QoS 1 message published while it was away")
    void mosquittoPersistentSessionGetsWhatWasQueued() {
        String id = "present-mosquitto";
        MosquittoClients.Result subscribed = MosquittoClients.sub(broker.port(), "-c", "-i", id, "-q", "1",
                "-t", "present/mosquitto", "-E");
        assertThat(subscribed.exitCode()).as(subscribed.stderr()).isZero();
        MosquittoClients.Result published = MosquittoClients.pub(broker.port(), "-q", "1",
                "-t", "present/mosquitto", "-m", "while-away");
        assertThat(published.exitCode()).as(published.stderr()).isZero();
        MosquittoClients.Result resumed = MosquittoClients.sub(broker.port(), "-c", "-i", id, "-q", "1",
                "-t", "present/mosquitto", "-C", "1", "-W", "5");
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.lines()).containsExactly("while-away");
    }
}
