package io.midge.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The management API as a test calls it: the JDK's HTTP client against the broker's HTTP listener, answers parsed
 * with Jackson; and the MQTT clients of the test (HiveMQ 5.0), disconnected after it. Register it after the broker.
 */
final class Api implements AfterEachCallback {
    static final ObjectMapper JSON = new ObjectMapper();

    private final BrokerExtension broker;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Deque<Mqtt5BlockingClient> clients = new ArrayDeque<>();

    Api(BrokerExtension broker) {
        this.broker = broker;
    }

    /** An answer: its status, headers and body, the body also as JSON when it is JSON. */
    record Answer(HttpResponse<String> response) {
        int status() {
            return response.statusCode();
        }

        JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + response.body(), e);
            }
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Answer delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    Answer post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return new Answer(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    URI uri(String path) {
        return URI.create(broker.httpUri() + path);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A HiveMQ 5.0 client connected with the identifier, configured further by {@code connect}. */
    Mqtt5BlockingClient mqtt5(String clientId, Consumer<com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder> connect) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder builder =
                com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect.builder();
        connect.accept(builder);
        client.connect(builder.build());
        clients.push(client);
        return client;
    }

    Mqtt5BlockingClient mqtt5(String clientId) {
        return mqtt5(clientId, b -> { });
    }

    @Override
    public void afterEach(ExtensionContext context) {
        while (!clients.isEmpty()) {
            Mqtt5BlockingClient client = clients.pop();
            try {
                if (client.getState().isConnected()) {
                    client.disconnect();
                }
            } catch (RuntimeException e) {
                // gone already
            }
        }
    }
}
