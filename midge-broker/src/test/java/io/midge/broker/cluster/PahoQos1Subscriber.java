package io.midge.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A QoS 1 subscriber on Paho 3.1.1 with Clean Session 0, which connects again itself (Paho's own automatic reconnect
 * backs off to seconds, longer than a node takes to restart) and is handed every message the broker sends, duplicates
 * included.
 */
final class PahoQos1Subscriber implements PersistentSubscriber, MqttCallback, Runnable {
    private final String clientId;
    private final String filter;
    private final MqttClient client;
    private final List<Long> received = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private volatile boolean stop;
    private boolean subscribed;
    private Thread thread;

    PahoQos1Subscriber(String url, String clientId, String filter) throws MqttException {
        this.clientId = clientId;
        this.filter = filter;
        this.client = new MqttClient(url, clientId, new MemoryPersistence());
        client.setCallback(this);
    }

    @Override
    public List<Long> received() {
        return received;
    }

    @Override
    public List<String> errors() {
        return errors;
    }

    @Override
    public boolean connected() {
        return client.isConnected();
    }

    @Override
    public void start() {
        thread = new Thread(this, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() throws InterruptedException {
        stop = true;
        thread.join(10_000);
        try {
            client.disconnect();
        } catch (MqttException e) {
            // not connected
        }
        try {
            client.close();
        } catch (MqttException e) {
            // closing anyway
        }
    }

    @Override
    public void run() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        // 3.1.1 only: by default Paho retries a failed CONNECT as MQTT 3.1, whose CONNACK has no Session Present.
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(0);
        while (!stop) {
            if (!client.isConnected()) {
                try {
                    boolean present = client.connectWithResult(options).getSessionPresent();
                    if (!subscribed) {
                        client.subscribe(filter, 1);
                        subscribed = true;
                    } else if (!present) {
                        errors.add(clientId + ": no session present after a reconnect");
                    }
                } catch (MqttException e) {
                    // The node is down or refuses clients until it sees a majority: connect again.
                }
            }
            // A reconnecting client's pause between checks, not a wait for a condition.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        received.add(Long.parseLong(new String(message.getPayload(), StandardCharsets.UTF_8)));
    }

    @Override
    public void connectionLost(Throwable cause) {
        // run() connects again
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
    }
}
