package io.midge.broker.bridge;

import static io.midge.broker.bridge.BridgeTest.awaitConnected;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A bridge's state and counters in {@code /api/v1/bridges}, the metrics and {@code $SYS}; its identifier reserved. */
class BridgeFiguresTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final Brokers brokers = new Brokers();

    @Test
    @DisplayName("GET /api/v1/bridges, midge_bridge_* metrics with label bridge, and $SYS/broker/bridges/<name>/...")
    void figures() throws Exception {
        Broker remote = brokers.start(0, null, List.of());
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("hq", remote.port()).out("f/#", 1).build()),
                b -> b.set(HTTP_PORT, -1).set(SYS_INTERVAL, 1));
        awaitConnected(local, "hq");
        try (Subscriber pub = Subscriber.connect(Brokers.uri(local), "pub");
             Subscriber sys = Subscriber.connect(Brokers.uri(local), "sys").subscribe("$SYS/broker/bridges/#", 0)) {
            pub.publish("f/1", "x", 1);
            await().atMost(WAIT).until(() -> BridgeTest.status(local, "hq").sent() == 1);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + local.httpPort();
            String api = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/bridges")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(api).contains("\"name\":\"hq\"", "\"state\":\"running\"", "\"connected\":true", "\"sent\":1", "\"lastError\":null");
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("midge_bridge_connected{bridge=\"hq\"} 1.0",
                    "midge_bridge_state{bridge=\"hq\",state=\"running\"} 1.0",
                    "midge_bridge_state{bridge=\"hq\",state=\"connecting\"} 0.0",
                    "midge_bridge_sent_total{bridge=\"hq\"} 1.0", "midge_bridge_dropped_total{bridge=\"hq\"} 0.0");
            await().atMost(WAIT).untilAsserted(() -> assertThat(sys.received())
                    .contains("$SYS/broker/bridges/hq/connected 1", "$SYS/broker/bridges/hq/state running",
                            "$SYS/broker/bridges/hq/sent 1"));
        }
    }

    @Test
    @DisplayName("A bridge's state follows its link: running while it is up, connecting once the remote is gone, in "
            + "the API and the metrics (midge_bridge_state, one per state)")
    void stateFollowsTheLink() throws Exception {
        Broker remote = brokers.start(0, null, List.of());
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("hq", remote.port()).out("f/#", 1).build()),
                b -> b.set(HTTP_PORT, -1));
        awaitConnected(local, "hq");
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + local.httpPort();
        assertThat(get(http, base + "/api/v1/bridges")).contains("\"state\":\"running\"", "\"connected\":true");
        brokers.stop(remote);
        await().atMost(WAIT).untilAsserted(() -> assertThat(get(http, base + "/api/v1/bridges"))
                .contains("\"state\":\"connecting\"", "\"connected\":false"));
        assertThat(get(http, base + "/metrics")).contains(
                "midge_bridge_state{bridge=\"hq\",state=\"connecting\"} 1.0",
                "midge_bridge_state{bridge=\"hq\",state=\"running\"} 0.0",
                "midge_bridge_state{bridge=\"hq\",state=\"standby\"} 0.0");
        assertThat(BridgeTest.status(local, "hq").state()).isEqualTo("connecting");
    }

    private static String get(HttpClient http, String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    @DisplayName("A client may not take a bridge's identifier ($bridge/...): CONNACK 0x85 (MQTT-3.1.3-9: the server "
            + "may refuse a client identifier)")
    void bridgeIdentifierReserved() throws Exception {
        Broker local = brokers.start(0, null, List.of());
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
                Brokers.uri(local), "$bridge/hq", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(c::connect)
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class)
                    .hasFieldOrPropertyWithValue("reasonCode", 2); // 3.1.1: identifier rejected
        } finally {
            c.close(true);
        }
    }
}
