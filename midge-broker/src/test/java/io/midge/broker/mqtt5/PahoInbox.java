package io.midge.broker.mqtt5;

import java.util.function.BiConsumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** A Paho 5.0 callback that hands every arriving message to one consumer and ignores the rest. */
final class PahoInbox implements MqttCallback {
    private final BiConsumer<String, MqttMessage> onMessage;

    PahoInbox(BiConsumer<String, MqttMessage> onMessage) {
        this.onMessage = onMessage;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        onMessage.accept(topic, message);
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    /** Disconnects (where still connected) and closes each client, whatever fails. */
    static void close(MqttClient... clients) {
        for (MqttClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnect();
                }
            } catch (MqttException ignored) {
                // closing regardless
            }
            try {
                client.close(true);
            } catch (MqttException ignored) {
                // nothing more to do
            }
        }
    }
}
