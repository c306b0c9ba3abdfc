package io.midge.broker.bridge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** A Paho 3.1.1 client that keeps what it receives ("topic payload", in order) and publishes. */
final class Subscriber implements AutoCloseable {
    final MqttClient client;
    private final List<String> received = new ArrayList<>();
    private final List<Boolean> retained = new ArrayList<>();

    private Subscriber(MqttClient client) {
        this.client = client;
    }

    /** Connected with a persistent session (clean session false) that reconnects by itself. */
    static Subscriber connect(String uri, String clientId) throws MqttException {
        MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
        Subscriber s = new Subscriber(c);
        c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                synchronized (s) {
                    s.received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
                    s.retained.add(message.isRetained());
                }
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(500);
        o.setMaxInflight(1000);
        c.connect(o);
        return s;
    }

    Subscriber subscribe(String filter, int qos) throws MqttException {
        client.subscribe(filter, qos);
        return this;
    }

    void publish(String topic, String payload, int qos) throws MqttException {
        publish(topic, payload, qos, false);
    }

    void publish(String topic, String payload, int qos, boolean retain) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }

    synchronized List<String> received() {
        return List.copyOf(received);
    }

    synchronized List<Boolean> retainFlags() {
        return List.copyOf(retained);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
            client.close(true);
        } catch (MqttException e) {
            // closing anyway
        }
    }
}
