package io.midge.broker.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;

/** A Paho subscriber's "topic payload" lines, as the test's message listener adds them. */
record Collector(MqttClient client, List<String> lines) {
    Collector(MqttClient client) {
        this(client, new CopyOnWriteArrayList<>());
    }

    /** The payloads received on this topic. */
    List<String> data(String topic) {
        return lines.stream().filter(l -> l.startsWith(topic + " ")).map(l -> l.substring(topic.length() + 1))
                .toList();
    }

    void close() {
        try {
            client.disconnect();
            client.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
