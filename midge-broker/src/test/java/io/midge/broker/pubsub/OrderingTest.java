package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.pubsub.Clients.Paho5;
import io.midge.broker.pubsub.Clients.Received;
import io.midge.broker.pubsub.Clients.Recorder;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every subscriber receives one publisher's messages to one topic in the order they were published (MQTT 5.0
 * MQTT-4.6.0-5 and MQTT-4.6.0-6, MQTT 3.1.1 MQTT-4.6.0-5 and MQTT-4.6.0-6).
 */
class OrderingTest {
    private static final int COUNT = 1000;

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @Test
    @DisplayName("1000 QoS 1 and 1000 QoS 0 messages, interleaved on two topics, reach two subscribers in order "
            + "(MQTT-4.6.0-5)")
    void messagesArriveInPublishOrderAtEverySubscriber() throws Exception {
        Paho3 v3 = clients.paho3("order-v3");
        v3.client.subscribe("order/#", 1);
        Paho5 v5 = clients.paho5("order-v5");
        v5.client.subscribe(new MqttSubscription("order/#", 2)).waitForCompletion(5000);

        Mqtt5BlockingClient publisher = clients.hivemq5("order-pub");
        Mqtt5AsyncClient async = publisher.toAsync();
        List<CompletableFuture<?>> sent = new ArrayList<>(2 * COUNT);
        for (int i = 0; i < COUNT; i++) {
            sent.add(async.publishWith().topic("order/q1").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8(Integer.toString(i))).send());
            sent.add(async.publishWith().topic("order/q0").qos(MqttQos.AT_MOST_ONCE)
                    .payload(Clients.utf8(Integer.toString(i))).send());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

        List<String> expected = IntStream.range(0, COUNT).mapToObj(Integer::toString).toList();
        for (Recorder subscriber : List.of(v3, v5)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> subscriber.received.size() >= 2 * COUNT);
            assertThat(subscriber.received).hasSize(2 * COUNT);
            assertThat(payloadsOf(subscriber, "order/q1")).containsExactlyElementsOf(expected);
            assertThat(payloadsOf(subscriber, "order/q0")).containsExactlyElementsOf(expected);
            assertThat(subscriber.received).filteredOn(r -> r.topic().equals("order/q1"))
                    .extracting(Received::qos).containsOnly(1);
            assertThat(subscriber.received).filteredOn(r -> r.topic().equals("order/q0"))
                    .extracting(Received::qos).containsOnly(0);
        }
    }

    @Test
    @DisplayName("QoS 2 messages keep their order through the whole PUBREC/PUBREL/PUBCOMP exchange (MQTT-4.6.0-5)")
    void qos2MessagesArriveInOrder() throws Exception {
        Paho3 subscriber = clients.paho3("order2-sub");
        subscriber.client.subscribe("order2/t", 2);
        Mqtt5AsyncClient publisher = clients.hivemq5("order2-pub").toAsync();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(publisher.publishWith().topic("order2/t").qos(MqttQos.EXACTLY_ONCE)
                    .payload(Clients.utf8(Integer.toString(i))).send());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        await().until(() -> subscriber.received.size() >= 200);
        assertThat(subscriber.payloads())
                .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(Integer::toString).toList());
    }

    @Test
    @DisplayName("With Receive Maximum 1 the broker holds back QoS 1 messages until the one in flight is "
            + "acknowledged, and keeps the order of all (MQTT-4.6.0-5, MQTT-4.9.0-2)")
    void orderIsKeptWhileTheSubscribersReceiveMaximumHoldsMessagesBack() throws Exception {
        RawClient subscriber = clients.raw();
        subscriber.connect(new Connect(MqttVersion.MQTT_5, "order-rm-sub", true, 0, null, null, null,
                MqttProperties.builder().add(PropertyId.RECEIVE_MAXIMUM, 1).build()));
        Clients.subscribe(subscriber, 1, new Subscription("order/rm", 1));
        RawClient publisher = clients.raw(MqttVersion.MQTT_3_1_1, "order-rm-pub");
        for (int i = 0; i < 30; i++) {
            int qos = i % 3 == 2 ? 0 : 1;
            publisher.send(new Publish("order/rm", qos, false, false, qos == 0 ? 0 : i + 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer(Clients.utf8(Integer.toString(i)))));
        }
        List<String> payloads = new ArrayList<>();
        Publish unacknowledged = null;
        while (payloads.size() < 30) {
            // While a QoS 1 message is unacknowledged only QoS 0 ones may follow (MQTT-4.9.0-2): wait a little
            // for a violation before acknowledging.
            Publish p = (Publish) (unacknowledged == null ? subscriber.receive()
                    : subscriber.poll(Duration.ofMillis(20)));
            if (p == null) {
                subscriber.send(new PubAck(unacknowledged.packetId()));
                unacknowledged = null;
                continue;
            }
            payloads.add(Qos2FlowTest.payload(p));
            if (p.qos() == 1) {
                assertThat(unacknowledged).as("a second QoS 1 message beyond Receive Maximum 1").isNull();
                unacknowledged = p;
            }
        }
        assertThat(payloads).containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(Integer::toString).toList());
    }

    private static List<String> payloadsOf(Recorder subscriber, String topic) {
        return subscriber.received.stream().filter(r -> r.topic().equals(topic)).map(Received::payload).toList();
    }
}
