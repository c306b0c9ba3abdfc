package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/v1/retained} and {@code POST /api/v1/publish}, with real clients publishing and receiving. */
class ApiRetainedPublishTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @Test
    void retainedMessagesComeInTopicOrderAndPages() throws Exception {
        Mqtt5BlockingClient p = api.mqtt5("pub");
        for (String topic : List.of("home/b", "home/a/x", "home/a", "home/c", "other", "home/a/y")) {
            p.publishWith().topic(topic).payload(topic.getBytes()).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
        }
        p.publishWith().topic("bin").payload(new byte[] {(byte) 0xff, 0}).retain(true).contentType("x/y")
                .messageExpiryInterval(600).send();
        List<String> seen = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = api.get("/api/v1/retained?filter=home/%23&limit=2"
                    + (next == null ? "" : "&after=" + next)).json();
            page.get("items").forEach(m -> seen.add(m.get("topic").asText()));
            next = page.get("next").isNull() ? null : page.get("next").asText();
        } while (next != null);
        assertThat(seen).containsExactly("home/a", "home/a/x", "home/a/y", "home/b", "home/c");
        assertThat(api.get("/api/v1/retained?filter=home/%2B").json().get("items"))
                .extracting(m -> m.get("topic").asText()).containsExactly("home/a", "home/b", "home/c");

        JsonNode all = api.get("/api/v1/retained").json().get("items");
        assertThat(all).hasSize(7);
        JsonNode bin = all.get(0);
        assertThat(bin.get("topic").asText()).isEqualTo("bin");
        assertThat(bin.get("payloadEncoding").asText()).isEqualTo("base64");
        assertThat(bin.get("payload").asText()).isEqualTo("/wA=");
        assertThat(bin.get("payloadBytes").asInt()).isEqualTo(2);
        assertThat(bin.get("properties").get("contentType").asText()).isEqualTo("x/y");
        assertThat(bin.get("properties").get("messageExpiryInterval").asLong()).isBetween(590L, 600L);
        JsonNode text = all.get(1);
        assertThat(text.get("payload").asText()).isEqualTo("home/a");
        assertThat(text.get("payloadEncoding").asText()).isEqualTo("utf8");
        assertThat(text.get("qos").asInt()).isEqualTo(1);

        Api.Answer bad = api.get("/api/v1/retained?filter=a/%23/b");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asText()).isEqualTo("filter");
    }

    @Test
    void deletingARetainedMessageClearsItAsAnEmptyRetainedPublishWould() throws Exception {
        Mqtt5BlockingClient p = api.mqtt5("pub");
        p.publishWith().topic("a/b/c").payload("v".getBytes()).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient sub = api.mqtt5("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("a/#").send();
            assertThat(publishes.receive(5, TimeUnit.SECONDS)).hasValueSatisfying(m -> assertThat(m.isRetain()).isTrue());
            assertThat(api.delete("/api/v1/retained/a%2Fb%2Fc").status()).isEqualTo(204);
            assertThat(publishes.receive(5, TimeUnit.SECONDS)).hasValueSatisfying(m -> {
                assertThat(m.getTopic().toString()).isEqualTo("a/b/c");
                assertThat(m.getPayloadAsBytes()).isEmpty();
            });
        }
        assertThat(broker.broker().router().retained().get("a/b/c")).isNull();
        assertThat(api.delete("/api/v1/retained/a/b/c").status()).isEqualTo(404); // slashes as they are work too
    }

    @Test
    void aPublishReachesASubscriber() throws Exception {
        Mqtt5BlockingClient sub = api.mqtt5("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("lamp/#").qos(MqttQos.EXACTLY_ONCE).send();
            Api.Answer answer = api.post("/api/v1/publish", "{\"topic\": \"lamp/1\", \"payload\": \"on\", \"qos\": 2,"
                    + " \"properties\": {\"contentType\": \"text/plain\", \"messageExpiryInterval\": 60,"
                    + " \"correlationData\": \"AQI=\", \"responseTopic\": \"r/1\", \"payloadFormatIndicator\": 1,"
                    + " \"userProperties\": [{\"name\": \"k\", \"value\": \"v\"}]}}");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.json().get("topic").asText()).isEqualTo("lamp/1");
            assertThat(answer.json().get("qos").asInt()).isEqualTo(2);
            Mqtt5Publish m = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("on");
            assertThat(m.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(m.getContentType()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
            assertThat(m.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("r/1"));
            assertThat(m.getUserProperties().asList()).hasSize(1);
            assertThat(m.getMessageExpiryInterval().orElseThrow()).isBetween(55L, 60L);

            assertThat(api.post("/api/v1/publish", "{\"topic\": \"lamp/2\", \"payload\": \"/wE=\","
                    + " \"payloadEncoding\": \"base64\", \"retain\": true}").status()).isEqualTo(200);
            assertThat(publishes.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes())
                    .containsExactly(0xff, 1);
        }
        assertThat(api.get("/api/v1/retained?filter=lamp/2").json().get("items").get(0).get("payload").asText())
                .isEqualTo("/wE=");
    }

    @Test
    @DisplayName("A publish to a $ topic is refused as a client's is (MQTT 5.0 4.7.2), and nothing is published")
    void aPublishToADollarTopicIsRefused() throws Exception {
        long refused = broker.broker().metrics().httpRefused.sum();
        Api.Answer answer = api.post("/api/v1/publish", "{\"topic\": \"$SYS/fake\", \"payload\": \"x\", "
                + "\"retain\": true}");
        assertThat(answer.status()).isEqualTo(403);
        assertThat(broker.broker().router().retained().get("$SYS/fake")).isNull();
        assertThat(broker.broker().metrics().httpRefused.sum()).isEqualTo(refused + 1);
    }

    @Test
    void aPublishThatReachesNobodyIsCountedAsDroppedForNoSubscribers() throws Exception {
        long before = broker.broker().metrics().droppedNoSubscribers.sum();
        assertThat(api.post("/api/v1/publish", "{\"topic\": \"nobody/listens\"}").status()).isEqualTo(200);
        api.mqtt5("p").publishWith().topic("nobody/either").send();
        org.awaitility.Awaitility.await().untilAsserted(() ->
                assertThat(broker.broker().metrics().droppedNoSubscribers.sum()).isEqualTo(before + 2));
        assertThat(api.get("/api/v1/stats").json().get("dropped").get("noSubscribers").asLong())
                .isGreaterThanOrEqualTo(before + 2);
        assertThat(broker.broker().meters().scrape())
                .contains("midge_messages_dropped_total{reason=\"no_subscribers\"}");
    }
}
