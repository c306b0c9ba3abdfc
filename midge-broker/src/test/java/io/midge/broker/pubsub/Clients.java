package io.midge.broker.pubsub;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The clients of one test, connected to its broker and closed after it (register it with a higher {@code @Order}
 * than the broker, so that it closes them before the broker stops): Paho v3 for MQTT 3.1.1, Paho v5 and the HiveMQ client for 5.0, and {@link RawClient}s where
 * a test needs the exact packets.
 */
final class Clients implements AfterEachCallback {
    private final BrokerExtension broker;
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    Clients(BrokerExtension broker) {
        this.broker = broker;
    }

    /** A Paho v3 client connected with MQTT 3.1.1 and a clean session, recording what it receives. */
    Paho3 paho3(String clientId) throws Exception {
        return paho3(clientId, MqttConnectOptions.MQTT_VERSION_3_1_1);
    }

    /** A Paho v3 client connected with a clean session in the version (MqttConnectOptions.MQTT_VERSION_3_1...). */
    Paho3 paho3(String clientId, int mqttVersion) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client =
                new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(), clientId, new MemoryPersistence());
        Paho3 paho = new Paho3(client);
        client.setCallback(paho);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(mqttVersion);
        options.setCleanSession(true);
        options.setMaxInflight(1000);
        // No keep-alive: Paho's close() waits for its scheduled PINGREQ otherwise, a second per client.
        options.setKeepAliveInterval(0);
        client.connect(options);
        open.push(() -> {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close();
        });
        return paho;
    }

    /** A Paho v5 client connected with clean start, recording what it receives. */
    Paho5 paho5(String clientId) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(broker.uri(), clientId,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        Paho5 paho = new Paho5(client);
        client.setCallback(paho);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setKeepAliveInterval(0);
        client.connect(options).waitForCompletion(5000);
        open.push(() -> {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(2000);
            }
            client.close();
        });
        return paho;
    }

    /** A connected HiveMQ client speaking MQTT 5.0, with clean start. */
    Mqtt5BlockingClient hivemq5(String clientId) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        open.push(() -> {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        });
        return client;
    }

    /** A raw client, not connected yet. */
    RawClient raw() throws Exception {
        RawClient client = new RawClient(broker.port());
        open.push(client);
        return client;
    }

    /** A raw client connected with clean start in the version. */
    RawClient raw(MqttVersion version, String clientId) throws Exception {
        RawClient client = raw();
        client.connect(TestPackets.connect(version, clientId));
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ------------------------------------------------------------------ helpers for raw clients

    /** Subscribes with one SUBSCRIBE and returns the SUBACK (checked to carry the same packet id). */
    static SubAck subscribe(RawClient client, int packetId, MqttProperties properties, Subscription... filters)
            throws Exception {
        client.send(new Subscribe(packetId, List.of(filters), properties));
        SubAck subAck = client.receive(SubAck.class);
        if (subAck.packetId() != packetId) {
            throw new AssertionError("SUBACK for " + subAck.packetId() + ", not " + packetId);
        }
        return subAck;
    }

    static SubAck subscribe(RawClient client, int packetId, Subscription... filters) throws Exception {
        return subscribe(client, packetId, MqttProperties.EMPTY, filters);
    }

    static MqttProperties subscriptionId(int id) {
        return MqttProperties.builder().add(PropertyId.SUBSCRIPTION_IDENTIFIER, id).build();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ recording clients

    /** A message as a client library handed it over. */
    record Received(String topic, String payload, int qos, boolean retained, List<Integer> subscriptionIds) {
        Received(String topic, String payload, int qos, boolean retained) {
            this(topic, payload, qos, retained, List.of());
        }

        @Override
        public String toString() {
            return topic + "=" + payload + " (qos " + qos + (retained ? ", retained" : "")
                    + (subscriptionIds.isEmpty() ? "" : ", ids " + subscriptionIds) + ")";
        }
    }

    /** Records what arrives, in order; {@link #poll} takes the next one. */
    abstract static class Recorder {
        final List<Received> received = new CopyOnWriteArrayList<>();
        private final BlockingQueue<Received> next = new LinkedBlockingQueue<>();

        void record(Received r) {
            received.add(r);
            next.add(r);
        }

        /** The next message not taken yet, or null when none arrives within the wait. */
        Received poll(long millis) throws InterruptedException {
            return next.poll(millis, TimeUnit.MILLISECONDS);
        }

        List<String> payloads() {
            return received.stream().map(Received::payload).toList();
        }
    }

    static final class Paho3 extends Recorder implements MqttCallback {
        final org.eclipse.paho.client.mqttv3.MqttClient client;

        Paho3(org.eclipse.paho.client.mqttv3.MqttClient client) {
            this.client = client;
        }

        void publish(String topic, String payload, int qos, boolean retained) throws Exception {
            client.publish(topic, utf8(payload), qos, retained);
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            record(new Received(topic, text(message.getPayload()), message.getQos(), message.isRetained()));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    static final class Paho5 extends Recorder implements org.eclipse.paho.mqttv5.client.MqttCallback {
        final MqttAsyncClient client;

        Paho5(MqttAsyncClient client) {
            this.client = client;
        }

        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
            List<Integer> ids = message.getProperties() == null ? List.of()
                    : List.copyOf(message.getProperties().getSubscriptionIdentifiers());
            record(new Received(topic, text(message.getPayload()), message.getQos(), message.isRetained(), ids));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties props) {
        }
    }
}
