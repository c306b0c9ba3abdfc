package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Sessions, subscriptions and retained messages survive a restart of the broker on the same data directory. */
class SessionRestartTest {
    @TempDir
    static Path temp;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension().durable(temp.resolve("store-" + System.nanoTime()));

    private static Connect connect311(String clientId, boolean cleanSession) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, cleanSession, 0, null, null, null, MqttProperties.EMPTY);
    }

    private static Connect connect5(String clientId, boolean cleanStart, long expiry) {
        MqttProperties props = expiry == 0 ? MqttProperties.EMPTY
                : MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, expiry).build();
        return new Connect(MqttVersion.MQTT_5, clientId, cleanStart, 0, null, null, null, props);
    }

    private static Subscribe subscribe(String filter, int qos) {
        return new Subscribe(1, List.of(new Subscription(filter, qos, false, false, 0)), MqttProperties.EMPTY);
    }

    private static Publish publish(String topic, int qos, boolean retain, String payload) {
        return new Publish(topic, qos, retain, false, qos == 0 ? 0 : 1, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)));
    }

    /** The payload of the next PUBLISH, which is released. */
    private static String receivePayload(RawClient client) throws Exception {
        Publish p = client.receive(Publish.class);
        try {
            return p.topic() + "=" + p.payload().toString(StandardCharsets.UTF_8) + (p.retainFlag() ? " (retained)" : "");
        } finally {
            p.release();
        }
    }

    @Test
    @DisplayName("A persistent 3.1.1 session and its subscription come back after a restart: session present 1, "
            + "and it receives what is published to its subscription [MQTT-3.2.2-2]")
    void aPersistentSessionAndItsSubscriptionSurviveARestart() throws Exception {
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect311("restart-sub", false)).sessionPresent()).isFalse();
            sub.send(subscribe("restart/sub", 1));
            assertThat(sub.receive(SubAck.class).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
        }
        broker.restart();
        assertThat(broker.broker().sessions().get("restart-sub")).isNotNull();
        try (RawClient sub = new RawClient(broker.port()); RawClient pub = new RawClient(broker.port())) {
            assertThat(sub.connect(connect311("restart-sub", false)).sessionPresent()).isTrue();
            pub.connect(connect311("restart-sub-pub", true));
            pub.send(publish("restart/sub", 0, false, "after"));
            assertThat(receivePayload(sub)).isEqualTo("restart/sub=after");
        }
    }

    @Test
    @DisplayName("A clean session leaves nothing behind: after a restart the client finds no session")
    void aCleanSessionIsNotKept() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.connect(connect311("restart-clean", true));
            c.send(subscribe("restart/clean", 1));
            c.receive(SubAck.class);
        }
        broker.restart();
        assertThat(broker.broker().sessions().size()).isZero();
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect(connect311("restart-clean", false)).sessionPresent()).isFalse();
        }
    }

    @Test
    @DisplayName("Clean start over a stored session discards it for good: a restart does not bring it back "
            + "[MQTT-3.1.2-4]")
    void cleanStartDiscardsTheStoredSession() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.connect(connect311("restart-discard", false));
            c.send(subscribe("restart/discard", 1));
            c.receive(SubAck.class);
        }
        broker.restart();
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect(connect311("restart-discard", true)).sessionPresent()).isFalse();
        }
        broker.restart();
        assertThat(broker.broker().sessions().get("restart-discard")).isNull();
    }

    @Test
    @DisplayName("An unsubscribed filter stays gone after a restart")
    void anUnsubscribeSurvivesARestart() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.connect(connect311("restart-unsub", false));
            c.send(new Subscribe(1, List.of(new Subscription("restart/keep", 1, false, false, 0),
                    new Subscription("restart/drop", 1, false, false, 0)), MqttProperties.EMPTY));
            c.receive(SubAck.class);
            c.send(new Unsubscribe(2, List.of("restart/drop"), MqttProperties.EMPTY));
            c.receive(UnsubAck.class);
        }
        broker.restart();
        assertThat(broker.broker().sessions().get("restart-unsub").subscriptions()).containsOnlyKeys("restart/keep");
    }

    @Test
    @DisplayName("A session whose Session Expiry Interval passes after a restart expires then [MQTT-3.1.2-23]")
    void aStoredSessionExpiresAfterARestart() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.version(MqttVersion.MQTT_5).connect(connect5("restart-expiry", true, 1));
            c.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY));
            c.awaitClose();
        }
        broker.restart();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker().sessions().get("restart-expiry") == null);
        broker.restart();
        try (RawClient c = new RawClient(broker.port())) {
            ConnAck ack = c.version(MqttVersion.MQTT_5).connect(connect5("restart-expiry", false, 10));
            assertThat(ack.sessionPresent()).isFalse();
        }
    }

    @Test
    @DisplayName("A retained message survives a restart, and so does its removal [MQTT-3.3.1-5, MQTT-3.3.1-6]")
    void retainedMessagesSurviveARestart() throws Exception {
        try (RawClient pub = new RawClient(broker.port())) {
            pub.connect(connect311("restart-retain-pub", true));
            pub.send(publish("restart/retained/kept", 0, true, "kept"));
            pub.send(publish("restart/retained/cleared", 0, true, "first"));
            pub.send(publish("restart/retained/cleared", 0, true, ""));
            pub.send(publish("restart/retained/kept", 1, true, "kept-again"));
            pub.receive(io.midge.codec.packet.PubAck.class);
        }
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            sub.connect(connect311("restart-retain-sub", true));
            sub.send(subscribe("restart/retained/#", 1));
            sub.receive(SubAck.class);
            assertThat(receivePayload(sub)).isEqualTo("restart/retained/kept=kept-again (retained)");
            MqttPacket more = sub.poll(Duration.ofMillis(200));
            assertThat(more).as("the cleared topic keeps nothing").isNull();
        }
    }

    @Test
    @DisplayName("Paho clients: a QoS 1 message published to an offline persistent subscriber and acknowledged "
            + "reaches it after a restart")
    void pahoSubscriberGetsWhatWasAcknowledgedBeforeARestart() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttConnectOptions persistent =
                new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        persistent.setCleanSession(false);
        java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient sub = new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(),
                "restart-paho-sub", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        sub.connect(persistent);
        sub.subscribe("restart/paho", 1);
        sub.disconnect();
        sub.close();
        org.eclipse.paho.client.mqttv3.MqttClient pub = new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(),
                "restart-paho-pub", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        pub.connect();
        pub.publish("restart/paho", "kept".getBytes(StandardCharsets.UTF_8), 1, false); // returns on PUBACK
        pub.disconnect();
        pub.close();
        broker.restart();
        sub = new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(), "restart-paho-sub",
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        sub.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        try {
            assertThat(sub.connectWithResult(persistent).getSessionPresent()).isTrue();
            await().until(() -> !received.isEmpty());
            assertThat(received).containsExactly("restart/paho=kept");
        } finally {
            sub.disconnect();
            sub.close();
        }
    }
}
