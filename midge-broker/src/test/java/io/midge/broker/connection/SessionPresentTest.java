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
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.testkit.RawClient;
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

    // ------------------------------------------------------------------ 3.1, and sessions that end with their connection

    @Test
    @DisplayName("§3.2.2.1 (3.1): the CONNACK of a resumed MQIsdp session has first byte 0: Session Present exists "
            + "only from 3.1.1 on (a 3.1.1 client resuming the same way reads 1)")
    void mqtt31HasNoSessionPresentFlag() throws Exception {
        // MQIsdp level 3, clean session 0, keep-alive 0, client id "p31"
        String connect31 = "10 11 00 06 4D 51 49 73 64 70 03 00 00 00 00 03 70 33 31";
        // MQTT level 4, clean session 0, keep-alive 0, client id "p311"
        String connect311 = "10 10 00 04 4D 51 54 54 04 00 00 00 00 04 70 33 31 31";
        for (String connect : new String[] {connect31, connect311}) {
            try (RawClient first = new RawClient(broker.port())) {
                first.sendHex(connect);
                assertThat(first.read(4)).isEqualTo("20 02 00 00");
                first.sendHex("E0 00");
                first.readUntilClose();
            }
        }
        try (RawClient again = new RawClient(broker.port())) {
            again.sendHex(connect31);
            assertThat(again.read(4)).isEqualTo("20 02 00 00");
        }
        try (RawClient again = new RawClient(broker.port())) {
            again.sendHex(connect311);
            assertThat(again.read(4)).isEqualTo("20 02 01 00");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-6 (3.1.1): clean session 0 taking over a connected clean-session client gets Session "
            + "Present 0 and none of its subscriptions: that session ended with its connection")
    void cleanSession0TakingOverACleanSessionStartsAfresh() throws Exception {
        try (RawClient cleanOne = new RawClient(broker.port());
             RawClient publisher = new RawClient(broker.port())) {
            cleanOne.connect("present-takeover-311");
            cleanOne.send(new io.midge.codec.packet.Subscribe(1, java.util.List.of(
                    new io.midge.codec.packet.Subscription("present/takeover", 1)), MqttProperties.EMPTY));
            cleanOne.receive(io.midge.codec.packet.SubAck.class);
            try (RawClient taker = new RawClient(broker.port())) {
                ConnAck connAck = taker.connect(new Connect(MqttVersion.MQTT_3_1_1, "present-takeover-311", false,
                        0, null, null, null, MqttProperties.EMPTY));
                assertThat(connAck.sessionPresent()).isFalse();
                cleanOne.awaitClose();
                publisher.connect("present-takeover-pub");
                publisher.send(new Publish("present/takeover", 1, false, false, 1, MqttProperties.EMPTY,
                        Unpooled.wrappedBuffer("old subscription?".getBytes(StandardCharsets.UTF_8))));
                publisher.receive(PubAck.class);
                assertThat(taker.poll(java.time.Duration.ofMillis(300))).as("no subscription was inherited").isNull();
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-6, §3.1.2.11.2 (5.0): clean start 0 taking over a connection with Session Expiry 0 gets "
            + "Session Present 0")
    void cleanStart0TakingOverExpiry0StartsAfresh() throws Exception {
        try (RawClient first = new RawClient(broker.port())) {
            first.version(MqttVersion.MQTT_5).connect("present-takeover-5");
            MqttProperties expiry = MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build();
            try (RawClient taker = new RawClient(broker.port())) {
                ConnAck connAck = taker.connect(new Connect(MqttVersion.MQTT_5, "present-takeover-5", false, 0,
                        null, null, null, expiry));
                assertThat(connAck.sessionPresent()).isFalse();
                assertThat(((Disconnect) first.awaitClose().get(0)).reasonCode())
                        .isEqualTo(io.midge.codec.protocol.ReasonCode.SESSION_TAKEN_OVER);
            }
        }
    }
}
