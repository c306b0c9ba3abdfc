package io.midge.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Paho v3 clients of one test over any transport (tcp://, ssl://, ws://, wss:// URIs), closed after it: register
 * with a higher {@code @Order} than the broker.
 */
final class PahoClients implements AfterEachCallback {
    private final Deque<MqttClient> open = new ArrayDeque<>();

    /** A Paho client that records what it receives as "topic|payload". */
    static final class Inbox implements MqttCallback {
        final MqttClient client;
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

        Inbox(MqttClient client) {
            this.client = client;
        }

        /** Subscribes at QoS 1 and waits for the SUBACK. */
        Inbox subscribe(String filter) throws MqttException {
            client.subscribe(filter, 1);
            return this;
        }

        void publish(String topic, String payload) throws MqttException {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
        }

        /** The next message received, within ten seconds. */
        String next() throws InterruptedException {
            String m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            messages.add(topic + "|" + new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    /** Connects a client with a clean session (3.1.1), without TLS (tcp://, ws://). */
    Inbox connect(String uri, String clientId) throws MqttException {
        return connect(uri, clientId, options());
    }

    /** Connects a client with a clean session (3.1.1), through the socket factory when not null. */
    Inbox connect(String uri, String clientId, SocketFactory factory) throws MqttException {
        MqttConnectOptions options = options();
        if (factory != null) {
            options.setSocketFactory(factory);
        }
        return connect(uri, clientId, options);
    }

    Inbox connect(String uri, String clientId, MqttConnectOptions options) throws MqttException {
        MqttClient client = new MqttClient(uri, clientId, new MemoryPersistence());
        Inbox inbox = new Inbox(client);
        client.setCallback(inbox);
        open.push(client);
        client.connect(options);
        return inbox;
    }

    static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        // No keep-alive: Paho's close() waits for its scheduled PINGREQ otherwise.
        options.setKeepAliveInterval(0);
        return options;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        while (!open.isEmpty()) {
            MqttClient client = open.pop();
            try {
                if (client.isConnected()) {
                    client.disconnect(0);
                }
            } catch (MqttException e) {
                // already gone
            }
            client.close(true);
        }
    }
}
