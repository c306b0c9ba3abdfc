package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** MQTT over WebSocket and secure WebSocket (MQTT 5.0 section 6): path, subprotocol mqtt, binary frames only. */
class WebSocketListenerTest {
    /** CONNECT, MQTT 3.1.1, clean session, client id "ws-raw". */
    private static final byte[] CONNECT = HexFormat.of().parseHex("101200044d5154540402000000067773" + "2d726177");
    /** CONNACK, session not present, accepted. */
    private static final byte[] CONNACK = HexFormat.of().parseHex("20020000");

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "ws");
        server = ca.server("server");
    }

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            Listeners.ws("ws", null),
            Listeners.ws("custom", "/custom/path"),
            Listeners.wss("wss", "/mqtt", Listeners.serverTls(server)))));

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    @Test
    @DisplayName("Paho v3 and Paho v5 exchange messages over ws:// on the default path /mqtt")
    void pahoOverWebSocket() throws Exception {
        PahoClients.Inbox sub = clients.connect(uri("ws", "ws", "/mqtt"), "ws-paho3").subscribe("ws/t");
        MqttClient paho5 = new MqttClient(uri("ws", "ws", "/mqtt"), "ws-paho5", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setKeepAliveInterval(0);
            paho5.connect(options);
            paho5.publish("ws/t", new MqttMessage("over websocket".getBytes(StandardCharsets.UTF_8), 1, false,
                    null));
            assertThat(sub.next()).isEqualTo("ws/t|over websocket");
            sub.publish("ws/t", "echo");
            assertThat(sub.next()).isEqualTo("ws/t|echo");
            paho5.disconnect();
        } finally {
            paho5.close(true);
        }
    }

    @Test
    @DisplayName("The path is configurable: Paho gets in on the listener's path and not on another")
    void configurablePath() throws Exception {
        PahoClients.Inbox inbox = clients.connect(uri("ws", "custom", "/custom/path"), "ws-custom")
                .subscribe("ws/custom");
        inbox.publish("ws/custom", "here");
        assertThat(inbox.next()).isEqualTo("ws/custom|here");
        assertThatThrownBy(() -> clients.connect(uri("ws", "custom", "/mqtt"), "ws-custom-wrong"))
                .isInstanceOf(MqttException.class);
    }

    @Test
    @DisplayName("A WebSocket handshake on another path is answered 404 Not Found")
    void wrongPathIsNotFound() {
        assertThatThrownBy(() -> WebSocketClient.open(uri("ws", "ws", "/elsewhere"), null, "mqtt"))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(404));
    }

    @Test
    @DisplayName("A plain HTTP request on the path, without the upgrade, is refused with a 4xx status")
    void plainHttpIsRefused() throws Exception {
        HttpClient http = HttpClient.newHttpClient(); // Java 17's has no close(); it goes with its last reference
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri("http", "ws", "/mqtt")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isBetween(400, 499);
    }

    @Test
    @DisplayName("Subprotocol mqtt is negotiated (MQTT-6.0.0-3, MQTT-6.0.0-4); mqttv3.1 too, for older clients")
    void subprotocolIsNegotiated() throws Exception {
        try (WebSocketClient ws = WebSocketClient.open(uri("ws", "ws", "/mqtt"), null, "mqtt")) {
            assertThat(ws.socket.getSubprotocol()).isEqualTo("mqtt");
        }
        try (WebSocketClient ws = WebSocketClient.open(uri("ws", "ws", "/mqtt"), null, "mqttv3.1")) {
            assertThat(ws.socket.getSubprotocol()).isEqualTo("mqttv3.1");
        }
    }

    @Test
    @DisplayName("A packet split over a binary frame and a continuation frame is one packet (MQTT-6.0.0-2)")
    void packetAcrossFrames() throws Exception {
        try (WebSocketClient ws = WebSocketClient.open(uri("ws", "ws", "/mqtt"), null, "mqtt")) {
            ws.socket.sendBinary(ByteBuffer.wrap(CONNECT, 0, 5), false).get(10, TimeUnit.SECONDS);
            ws.socket.sendBinary(ByteBuffer.wrap(CONNECT, 5, CONNECT.length - 5), true).get(10, TimeUnit.SECONDS);
            await().until(() -> ws.received().length >= CONNACK.length);
            assertThat(ws.received()).isEqualTo(CONNACK);
        }
    }

    @Test
    @DisplayName("A text frame closes the connection (MQTT-6.0.0-1)")
    void textFrameCloses() throws Exception {
        try (WebSocketClient ws = WebSocketClient.open(uri("ws", "ws", "/mqtt"), null, "mqtt")) {
            ws.socket.sendText("CONNECT", true).get(10, TimeUnit.SECONDS);
            assertThat(ws.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1003);
            assertThat(ws.received()).isEmpty();
        }
    }

    @Test
    @DisplayName("Secure WebSocket: Paho over wss:// and subprotocol mqtt with the test CA")
    void secureWebSocket() throws Exception {
        PahoClients.Inbox inbox = clients.connect(uri("wss", "wss", "/mqtt"), "wss-paho", ca.socketFactory(null))
                .subscribe("wss/t");
        inbox.publish("wss/t", "encrypted");
        assertThat(inbox.next()).isEqualTo("wss/t|encrypted");
        try (WebSocketClient ws = WebSocketClient.open(uri("wss", "wss", "/mqtt"), ca.clientContext(null),
                "mqtt")) {
            assertThat(ws.socket.getSubprotocol()).isEqualTo("mqtt");
            ws.socket.sendBinary(ByteBuffer.wrap(CONNECT), true).get(10, TimeUnit.SECONDS);
            await().until(() -> ws.received().length >= CONNACK.length);
            assertThat(ws.received()).isEqualTo(CONNACK);
        }
    }

    private String uri(String scheme, String listener, String path) {
        return scheme + "://127.0.0.1:" + broker.broker().port(listener) + path;
    }
}
