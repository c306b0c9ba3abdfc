package io.midge.broker.session;


import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * What a test subscriber received, in order, from any client library: Paho 3 as a listener, HiveMQ through
 * {@link #add(Mqtt5Publish)}. The tests wait on it with Awaitility.
 */
final class Inbox implements IMqttMessageListener {
    /** One received application message, reduced to what the session tests look at. */
    record Received(String topic, String payload, int qos, boolean retained, boolean dup) {
    }

    private final List<Received> messages = new CopyOnWriteArrayList<>();

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        messages.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8), message.getQos(),
                message.isRetained(), message.isDuplicate()));
    }

    void add(Mqtt5Publish publish) {
        messages.add(new Received(publish.getTopic().toString(),
                new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8), publish.getQos().getCode(),
                publish.isRetain(), false));
    }

    List<Received> messages() {
        return List.copyOf(messages);
    }

    List<String> payloads() {
        return messages.stream().map(Received::payload).toList();
    }

    int size() {
        return messages.size();
    }

    /** Waits until {@code count} messages have arrived (5 s at most) and returns them all. */
    List<Received> await(int count) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> messages.size() >= count);
        return messages();
    }

    /** Waits until a message with this payload arrives and returns everything received so far. */
    List<Received> awaitPayload(String payload) {
        Predicate<Received> match = r -> r.payload().equals(payload);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> messages.stream().anyMatch(match));
        return messages();
    }
}
