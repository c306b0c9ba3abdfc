package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** With a durable store, what the API publishes or clears is in the store once it answers: a restart keeps it. */
class ApiDurableTest {
    @TempDir
    static Path temp;

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1))
            .durable(temp.resolve("store-" + System.nanoTime()));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @Test
    void aPublishedRetainedMessageAndItsClearingSurviveARestart() throws Exception {
        assertThat(api.post("/api/v1/publish", "{\"topic\": \"keep/a\", \"payload\": \"1\", \"qos\": 1, "
                + "\"retain\": true}").status()).isEqualTo(200);
        assertThat(api.post("/api/v1/publish", "{\"topic\": \"keep/b\", \"payload\": \"2\", \"qos\": 1, "
                + "\"retain\": true}").status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/retained/keep/b").status()).isEqualTo(204);
        broker.restart(b -> b.set(HTTP_PORT, -1));
        assertThat(api.get("/api/v1/retained?filter=keep/%23").json().get("items"))
                .extracting(m -> m.get("topic").asText()).containsExactly("keep/a");
    }

    @Test
    void aQos1PublishIsQueuedForAnOfflinePersistentSubscriberBeforeTheAnswer() throws Exception {
        Mqtt5BlockingClient sub = api.mqtt5("durable-sub", c -> c.cleanStart(true).sessionExpiryInterval(600));
        sub.subscribeWith().topicFilter("q/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        assertThat(api.post("/api/v1/publish", "{\"topic\": \"q/1\", \"payload\": \"x\", \"qos\": 1}").status())
                .isEqualTo(200);
        broker.restart(b -> b.set(HTTP_PORT, -1));
        Mqtt5BlockingClient again = MqttClient.builder().useMqttVersion5().identifier("durable-sub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        // Listening before connecting: the queued message comes right after CONNACK.
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
            assertThat(inbox.receive(5, TimeUnit.SECONDS)).hasValueSatisfying(m ->
                    assertThat(m.getTopic().toString()).isEqualTo("q/1"));
        } finally {
            again.disconnect();
        }
    }
}
