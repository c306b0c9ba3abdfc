package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/v1/clients} and {@code /api/v1/subscriptions} with real MQTT clients connected. */
class ApiClientsTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @Test
    void aConnectedClientIsListedWithItsFigures() throws Exception {
        Mqtt5BlockingClient alice = api.mqtt5("alice", c -> c.keepAlive(30).cleanStart(false)
                .sessionExpiryInterval(600));
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = alice.publishes(MqttGlobalPublishFilter.ALL)) {
            alice.subscribeWith().topicFilter("home/+/temp").qos(MqttQos.AT_LEAST_ONCE).send();
            alice.publishWith().topic("home/kitchen/temp").payload("21".getBytes()).qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            assertThat(inbox.receive(5, TimeUnit.SECONDS)).isPresent();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(api.get("/api/v1/clients/alice").json().get("messagesOut").asLong()).isEqualTo(1));

        JsonNode client = api.get("/api/v1/clients/alice").json();
        assertThat(client.get("clientId").asText()).isEqualTo("alice");
        assertThat(client.get("connected").asBoolean()).isTrue();
        assertThat(client.get("protocolVersion").asText()).isEqualTo("5.0");
        assertThat(client.get("keepAlive").asInt()).isEqualTo(30);
        assertThat(client.get("address").asText()).startsWith("127.0.0.1:");
        assertThat(client.get("listener").asText()).isEqualTo("default");
        assertThat(client.get("sessionExpiry").asLong()).isEqualTo(600);
        assertThat(client.get("cleanStart").asBoolean()).isFalse();
        assertThat(client.get("subscriptions").asInt()).isEqualTo(1);
        assertThat(client.get("messagesIn").asLong()).isEqualTo(1);
        assertThat(client.get("bytesIn").asLong()).isPositive();
        assertThat(client.get("bytesOut").asLong()).isPositive();
        assertThat(client.get("connectedSince").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

        JsonNode subs = api.get("/api/v1/clients/alice/subscriptions").json().get("items");
        assertThat(subs).hasSize(1);
        assertThat(subs.get(0).get("filter").asText()).isEqualTo("home/+/temp");
        assertThat(subs.get(0).get("qos").asInt()).isEqualTo(1);
        assertThat(subs.get(0).get("subscriptionId").isInt()).isTrue(); // the HiveMQ client numbers its subscriptions
    }

    @Test
    void clientsComeInPagesInIdentifierOrderAndFilter() throws Exception {
        for (String id : List.of("b-2", "a-1", "b-1", "c-1", "b-3")) {
            api.mqtt5(id);
        }
        List<String> seen = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = api.get("/api/v1/clients?limit=2" + (next == null ? "" : "&after=" + next)).json();
            page.get("items").forEach(c -> seen.add(c.get("clientId").asText()));
            next = page.get("next").isNull() ? null : page.get("next").asText();
        } while (next != null);
        assertThat(seen).containsExactly("a-1", "b-1", "b-2", "b-3", "c-1");

        JsonNode prefixed = api.get("/api/v1/clients?prefix=b-&limit=2").json();
        assertThat(prefixed.get("items")).extracting(c -> c.get("clientId").asText()).containsExactly("b-1", "b-2");
        JsonNode rest = api.get("/api/v1/clients?prefix=b-&after=" + prefixed.get("next").asText()).json();
        assertThat(rest.get("items")).extracting(c -> c.get("clientId").asText()).containsExactly("b-3");
        assertThat(rest.get("next").isNull()).isTrue();

        assertThat(api.get("/api/v1/clients?connected=false").json().get("items")).isEmpty();
        assertThat(api.get("/api/v1/clients?address=127.0.0.1").json().get("items")).hasSize(5);
        assertThat(api.get("/api/v1/clients?address=10.").json().get("items")).isEmpty();
    }

    @Test
    void anOfflineSessionIsListedWithoutItsConnection() throws Exception {
        Mqtt5BlockingClient bob = api.mqtt5("bob", c -> c.cleanStart(true).sessionExpiryInterval(300));
        bob.subscribeWith().topicFilter("x/#").qos(MqttQos.AT_LEAST_ONCE).send();
        bob.disconnect();
        broker.publishAsBroker("x/1", 1, false, "one");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(api.get("/api/v1/clients/bob").json().get("queued").asInt()).isEqualTo(1));
        JsonNode client = api.get("/api/v1/clients/bob").json();
        assertThat(client.get("connected").asBoolean()).isFalse();
        assertThat(client.get("address").isNull()).isTrue();
        assertThat(client.get("connectedSince").isNull()).isTrue();
        assertThat(api.get("/api/v1/clients?connected=false").json().get("items")).hasSize(1);

        JsonNode queue = api.get("/api/v1/clients/bob/queue").json();
        assertThat(queue.get("items")).hasSize(1);
        JsonNode queued = queue.get("items").get(0);
        assertThat(queued.get("topic").asText()).isEqualTo("x/1");
        assertThat(queued.get("state").asText()).isEqualTo("queued");
        assertThat(queued.get("payloadBytes").asInt()).isEqualTo(3);
    }

    @Test
    void subscriptionsOfAllClientsComeByClientThenFilter() throws Exception {
        api.mqtt5("s-2").subscribeWith().topicFilter("b/#").send();
        Mqtt5BlockingClient s1 = api.mqtt5("s-1");
        s1.subscribeWith().topicFilter("b/1").send();
        s1.subscribeWith().topicFilter("a/1").send();
        s1.subscribeWith().topicFilter("$share/g/c/+").send();
        List<String> seen = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = api.get("/api/v1/subscriptions?limit=1" + (next == null ? "" : "&after=" + next)).json();
            page.get("items").forEach(s -> seen.add(s.get("clientId").asText() + " " + s.get("filter").asText()));
            next = page.get("next").isNull() ? null : page.get("next").asText();
        } while (next != null);
        assertThat(seen).containsExactly("s-1 $share/g/c/+", "s-1 a/1", "s-1 b/1", "s-2 b/#");
        assertThat(api.get("/api/v1/subscriptions?filter=b/").json().get("items"))
                .extracting(s -> s.get("clientId").asText()).containsExactly("s-1", "s-2");
    }

    @Test
    void anUnknownClientIs404() throws Exception {
        Api.Answer answer = api.get("/api/v1/clients/nobody");
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("status").asInt()).isEqualTo(404);
        assertThat(answer.json().get("error").asText()).isEqualTo("Not Found");
        assertThat(api.get("/api/v1/clients/nobody/subscriptions").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/clients/nobody/queue").status()).isEqualTo(404);
        assertThat(api.delete("/api/v1/clients/nobody").status()).isEqualTo(404);
    }

    @Test
    void aClientIdentifierWithASlashIsPercentEncoded() throws Exception {
        api.mqtt5("site/7+a");
        JsonNode client = api.get("/api/v1/clients/site%2F7+a").json();
        assertThat(client.get("clientId").asText()).isEqualTo("site/7+a");
    }
}
