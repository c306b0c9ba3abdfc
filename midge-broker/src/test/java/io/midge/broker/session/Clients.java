package io.midge.broker.session;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The clients of the session tests, made the same way everywhere, and closed at the end of each test: register
 * every client with {@link #track} and {@link #close} them in {@code @AfterEach}.
 */
final class Clients implements AutoCloseable {
    private final BrokerExtension broker;
    private final List<AutoCloseable> open = new ArrayList<>();

    Clients(BrokerExtension broker) {
        this.broker = broker;
    }

    <T extends AutoCloseable> T track(T client) {
        open.add(client);
        return client;
    }

    /** A Paho 3.1.1 client, not connected yet. */
    org.eclipse.paho.client.mqttv3.MqttClient paho(String clientId) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client =
                new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(), clientId, new MemoryPersistence());
        track(() -> {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close();
        });
        return client;
    }

    static MqttConnectOptions cleanSession(boolean clean) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(clean);
        options.setAutomaticReconnect(false);
        options.setMaxInflight(1000);
        return options;
    }

    /** A connected Paho 3.1.1 client with clean session, for publishing. */
    IMqttClient publisher(String clientId) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client = paho(clientId);
        client.connect(cleanSession(true));
        return client;
    }

    /** A connected Paho 3.1.1 subscriber with clean session that collects what it receives on the filter. */
    Inbox subscriber(String clientId, String filter, int qos) throws Exception {
        Inbox inbox = new Inbox();
        org.eclipse.paho.client.mqttv3.MqttClient client = paho(clientId);
        client.connect(cleanSession(true));
        client.subscribe(filter, qos, inbox);
        return inbox;
    }

    /**
     * A Paho 3.1.1 client with a persistent session (Clean Session 0), subscribed to the filter and disconnected
     * again. Everything it receives, now and after it reconnects, goes to the inbox.
     */
    org.eclipse.paho.client.mqttv3.MqttClient offlineSubscriber(String clientId, String filter, int qos, Inbox inbox)
            throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client = paho(clientId);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                inbox.messageArrived(topic, message);
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        client.connect(cleanSession(false));
        client.subscribe(filter, qos);
        client.disconnect();
        // Offline as far as the broker is concerned, too: what is published from now on is queued.
        Session session = broker.broker().sessions().get(clientId);
        await().until(() -> !session.isOnline());
        return client;
    }

    /** A HiveMQ MQTT 5 client, not connected yet, whose every received message goes to the inbox. */
    Mqtt5BlockingClient hivemq(String clientId, Inbox inbox) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox::add);
        track(() -> {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        });
        return client;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A 5.0 CONNECT for RawClient with clean start, a Session Expiry Interval and an optional will. */
    static Connect connect5(String clientId, boolean cleanStart, long sessionExpiry, Will will) {
        MqttProperties props = sessionExpiry == 0 ? MqttProperties.EMPTY
                : MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, sessionExpiry).build();
        return new Connect(MqttVersion.MQTT_5, clientId, cleanStart, 0, null, null, will, props);
    }

    /** A 3.1.1 CONNECT for RawClient. */
    static Connect connect311(String clientId, boolean cleanSession, int keepAlive, Will will) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, cleanSession, keepAlive, null, null, will,
                MqttProperties.EMPTY);
    }

    static Will will(String topic, String payload, int qos, boolean retain, MqttProperties properties) {
        return new Will(topic, Binary.utf8(payload), qos, retain, properties);
    }

    static Will will(String topic, String payload) {
        return will(topic, payload, 0, false, MqttProperties.EMPTY);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = open.size() - 1; i >= 0; i--) { // the last opened first
            try {
                open.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
