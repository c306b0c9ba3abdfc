package io.midge.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.Broker;
import io.midge.broker.config.BridgeConfig.Direction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MQTT 5 properties cross a 5.0 bridge unchanged, each way: what a subscriber on the other broker receives is what the
 * publisher sent (MQTT-3.3.2-17, MQTT-3.3.2-20: the server forwards the user properties and the content type
 * unaltered; MQTT-3.3.2-4: the Payload Format Indicator too; the Response Topic and Correlation Data likewise), the
 * Message Expiry Interval counted down by the time the message waited (MQTT-3.3.2-6).
 */
class BridgePropertiesTest {
    @RegisterExtension
    final Brokers brokers = new Brokers();

    @Test
    @DisplayName("User properties (order and repeats kept), content type, payload format, response topic, correlation "
            + "data and expiry cross a 5.0 bridge out and in unchanged (MQTT-3.3.2-17, MQTT-3.3.2-20, MQTT-3.3.2-4)")
    void propertiesCrossBothWays() throws Exception {
        Broker remote = brokers.start(0, null, List.of());
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("r", remote.port()).version(5)
                .rule("#", Direction.OUT, 1, "home/", "site1/home/")
                .rule("#", Direction.IN, 1, "commands/", "site1/commands/").build()));
        BridgeTest.awaitConnected(local, "r");
        Mqtt5BlockingClient atHome = client("at-home", local.port());
        Mqtt5BlockingClient atSite = client("at-site", remote.port());
        try (Mqtt5BlockingClient.Mqtt5Publishes homeIn = atHome.publishes(MqttGlobalPublishFilter.SUBSCRIBED);
             Mqtt5BlockingClient.Mqtt5Publishes siteIn = atSite.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            atHome.subscribeWith().topicFilter("commands/#").qos(MqttQos.AT_LEAST_ONCE).send();
            atSite.subscribeWith().topicFilter("site1/home/#").qos(MqttQos.AT_LEAST_ONCE).send();
            BridgeTest.awaitSubscribedRemotely(remote);

            publishWithProperties(atHome, "home/bed12/heartrate", "72");
            assertCarried(siteIn.receive(15, TimeUnit.SECONDS).orElseThrow(), "site1/home/bed12/heartrate", "72");

            publishWithProperties(atSite, "site1/commands/bed12", "recheck");
            assertCarried(homeIn.receive(15, TimeUnit.SECONDS).orElseThrow(), "commands/bed12", "recheck");
        } finally {
            atHome.disconnect();
            atSite.disconnect();
        }
    }

    private static Mqtt5BlockingClient client(String id, int port) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(port).buildBlocking();
        c.connect();
        return c;
    }

    private static void publishWithProperties(Mqtt5BlockingClient c, String topic, String payload) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .contentType("text/plain; charset=utf-8")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .responseTopic("replies/nurse-station")
                .correlationData("req-42".getBytes(StandardCharsets.UTF_8))
                .messageExpiryInterval(3600)
                .userProperties().add("unit", "bpm").add("sensor", "a").add("sensor", "b").applyUserProperties()
                .send();
    }

    private static void assertCarried(Mqtt5Publish p, String topic, String payload) {
        assertThat(p.getTopic().toString()).isEqualTo(topic);
        assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(p.getContentType().orElseThrow().toString()).isEqualTo("text/plain; charset=utf-8");
        assertThat(p.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(p.getResponseTopic().orElseThrow().toString()).isEqualTo("replies/nurse-station");
        ByteBuffer correlation = p.getCorrelationData().orElseThrow();
        byte[] bytes = new byte[correlation.remaining()];
        correlation.get(bytes);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("req-42");
        assertThat(p.getUserProperties().asList()).extracting(Mqtt5UserProperty::getName, Mqtt5UserProperty::getValue)
                .map(t -> t.toList().toString())
                .containsExactly("[unit, bpm]", "[sensor, a]", "[sensor, b]");
        assertThat(p.getMessageExpiryInterval().orElseThrow()).isBetween(3590L, 3600L);
    }
}
