package io.midge.broker.sys;

import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.midge.broker.Broker;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.MosquittoClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The broker's $SYS figures, read by real clients from a broker that publishes them every second. */
class SysTopicsTest {
    /** Every topic published, by the names Mosquitto uses. */
    static final List<String> TOPICS = topics();

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(SYS_INTERVAL, 1));

    @TempDir
    Path dir;

    private static List<String> topics() {
        List<String> topics = new ArrayList<>(List.of("version", "uptime", "clients/connected",
                "clients/disconnected", "clients/total", "clients/maximum", "messages/received", "messages/sent",
                "publish/messages/dropped", "bytes/received", "bytes/sent", "subscriptions/count",
                "retained messages/count", "heap/current"));
        for (String what : List.of("messages/received", "messages/sent", "bytes/received", "bytes/sent")) {
            for (String window : List.of("1min", "5min", "15min")) {
                topics.add("load/" + what + "/" + window);
            }
        }
        return topics.stream().map(t -> "$SYS/broker/" + t).toList();
    }

    @Test
    @DisplayName("mosquitto_sub -v -t '$SYS/#' reads every figure")
    void mosquittoSubReadsEveryFigure() {
        await().until(() -> broker.broker().router().retained().size() >= TOPICS.size());
        // Retained first, then the figures each round changes, for 3 seconds (-W ends mosquitto_sub).
        MosquittoClients.Result result = MosquittoClients.sub(broker.port(), "-v", "-t", "$SYS/#", "-W", "3");
        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : result.lines()) {
            // -v prints "topic payload"; one topic has a space of its own ("retained messages/count").
            String topic = TOPICS.stream().filter(t -> line.startsWith(t + " ")).findFirst().orElseThrow(
                    () -> new AssertionError("unexpected line: " + line));
            figures.put(topic, line.substring(topic.length() + 1));
        }
        assertThat(figures.keySet()).as(result.stderr()).containsExactlyInAnyOrderElementsOf(TOPICS);
        assertThat(figures.get("$SYS/broker/version")).matches("midge \\d+\\.\\d+\\.\\d+.*");
        assertThat(figures.get("$SYS/broker/load/messages/received/1min")).matches("\\d+\\.\\d\\d");
        assertThat(figures.get("$SYS/broker/heap/current")).matches("[1-9]\\d*");
    }

    @Test
    @DisplayName("The figures follow the traffic: clients connected, total and maximum, messages and bytes received "
            + "and sent, subscriptions, retained messages (Paho 3.1.1 watching)")
    void figuresFollowTraffic() throws Exception {
        Map<String, String> figures = new ConcurrentHashMap<>();
        List<org.eclipse.paho.client.mqttv3.MqttClient> clients = new ArrayList<>();
        try {
            org.eclipse.paho.client.mqttv3.MqttClient watcher = paho("sys-watcher");
            clients.add(watcher);
            watcher.subscribe("$SYS/broker/#", 0, (topic, message) ->
                    figures.put(topic.substring("$SYS/broker/".length()), text(message)));
            await().until(() -> "1".equals(figures.get("clients/connected")));
            for (int i = 0; i < 3; i++) {
                clients.add(paho("sys-client-" + i));
            }
            await().until(() -> "4".equals(figures.get("clients/connected")));
            clients.get(1).subscribe("traffic/#", 0, (topic, message) -> { });
            for (int i = 0; i < 5; i++) {
                clients.get(2).publish("traffic/" + i, "12345".getBytes(StandardCharsets.UTF_8), 0, false);
            }
            clients.get(2).publish("kept/here", "retained".getBytes(StandardCharsets.UTF_8), 0, true);
            await().untilAsserted(() -> {
                assertThat(figures).containsEntry("messages/received", "6")
                        .containsEntry("subscriptions/count", "2")
                        .containsEntry("retained messages/count", Integer.toString(TOPICS.size() + 1));
                // The watcher's $SYS figures are among the messages sent; the five on traffic/# too.
                assertThat(Long.parseLong(figures.get("messages/sent"))).isGreaterThanOrEqualTo(5);
                // Bytes as on the socket: the payloads and more (headers, topics, CONNECTs).
                assertThat(Long.parseLong(figures.get("bytes/received"))).isGreaterThan(5 * 5 + "retained".length());
                assertThat(Double.parseDouble(figures.get("load/messages/received/1min"))).isPositive();
            });
            for (int i = 3; i >= 1; i--) {
                org.eclipse.paho.client.mqttv3.MqttClient leaving = clients.remove(i);
                leaving.disconnect();
                leaving.close();
            }
            await().untilAsserted(() -> assertThat(figures).containsEntry("clients/connected", "1")
                    .containsEntry("clients/disconnected", "0").containsEntry("clients/total", "1")
                    .containsEntry("clients/maximum", "4").containsEntry("subscriptions/count", "1"));
        } finally {
            for (org.eclipse.paho.client.mqttv3.MqttClient c : clients) {
                c.disconnect();
                c.close();
            }
        }
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: a subscription to # or +/... does not receive the $SYS figures; $SYS/# does "
            + "(HiveMQ 5.0)")
    void wildcardsDoNotMatchSys() {
        // Two connections: a client matches each PUBLISH against its own callbacks, and its "#" is not the broker's.
        Mqtt5AsyncClient wild = hivemq("sys-wildcards");
        Mqtt5AsyncClient sys = hivemq("sys-reader");
        try {
            List<String> wildcard = new CopyOnWriteArrayList<>();
            Set<String> uptimes = ConcurrentHashMap.newKeySet();
            wild.subscribeWith().topicFilter("#").callback(p -> wildcard.add(p.getTopic().toString())).send().join();
            wild.subscribeWith().topicFilter("+/broker/#").callback(p -> wildcard.add(p.getTopic().toString()))
                    .send().join();
            sys.subscribeWith().topicFilter("$SYS/broker/uptime").callback(p -> uptimes.add(
                    StandardCharsets.UTF_8.decode(p.getPayload().orElseThrow()).toString())).send().join();
            // Two uptimes: one round at least was published after every subscription was in place.
            await().until(() -> uptimes.size() >= 2);
            assertThat(wildcard).isEmpty();
        } finally {
            wild.disconnect().join();
            sys.disconnect().join();
        }
    }

    private Mqtt5AsyncClient hivemq(String clientId) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        client.connect().join();
        return client;
    }

    @Test
    @DisplayName("The figures are not stored: a restarted broker shows none of the last run's")
    void figuresAreNotStored() throws Exception {
        broker.durable(dir);
        broker.restart();
        await().until(() -> broker.broker().router().retained().get("$SYS/broker/uptime") != null);
        broker.restart(b -> b.set(SYS_INTERVAL, 0));
        assertThat(broker.broker().router().retained().size()).isZero();
    }

    @Test
    @DisplayName("sys-interval 0 publishes nothing")
    void zeroTurnsThemOff() throws Exception {
        broker.restart(b -> b.set(SYS_INTERVAL, 0));
        assertThat(broker.broker().sys().isRunning()).isFalse();
        MosquittoClients.Result result = MosquittoClients.sub(broker.port(), "-v", "-t", "$SYS/#", "-W", "2");
        assertThat(result.lines()).isEmpty();
        assertThat(broker.broker().router().retained().size()).isZero();
    }

    @Test
    @DisplayName("The publisher stops when the broker closes")
    void stopsWithTheBroker() throws Exception {
        Broker running = broker.broker();
        await().until(() -> running.router().retained().get("$SYS/broker/uptime") != null);
        assertThat(running.sys().isRunning()).isTrue();
        broker.restart(); // closes the first broker
        assertThat(running.sys().isRunning()).isFalse();
    }

    private org.eclipse.paho.client.mqttv3.MqttClient paho(String clientId) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client =
                new org.eclipse.paho.client.mqttv3.MqttClient(broker.uri(), clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        options.setKeepAliveInterval(0);
        client.connect(options);
        return client;
    }

    private static String text(MqttMessage message) {
        return new String(message.getPayload(), StandardCharsets.UTF_8);
    }
}
