package io.midge.broker.pubsub;

import static io.midge.broker.config.ConfigKeys.DENY_SUBSCRIBE;
import static io.midge.broker.config.ConfigKeys.MAXIMUM_QOS;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscription;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SUBACK answers every topic filter of a SUBSCRIBE on its own: a refused filter fails (0x80) while the others of
 * the same packet succeed, and the granted QoS is capped by the broker's maximum.
 */
class SubscribeAckTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(DENY_SUBSCRIBE, List.of("test/nosubscribe"))
            .set(MAXIMUM_QOS, 1));
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("One code per filter, in order: a refused filter gets 0x80, the others of the same SUBSCRIBE "
            + "succeed (3.1.1 MQTT-3.8.4-5, 5.0 MQTT-3.8.4-6)")
    void refusedFilterFailsAndTheOthersSucceed(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "suback-sub");
        SubAck subAck = Clients.subscribe(subscriber, 77, new Subscription("test/ok", 1),
                new Subscription("test/nosubscribe", 1), new Subscription("test/zero", 0));
        assertThat(subAck.reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.UNSPECIFIED_ERROR,
                ReasonCode.GRANTED_QOS_0);

        RawClient publisher = clients.raw(version, "suback-pub");
        publisher.send(QosLevelsTest.publish("test/nosubscribe", 1, 1));
        publisher.receive(PubAck.class);
        publisher.send(QosLevelsTest.publish("test/ok", 1, 2));
        publisher.receive(PubAck.class);
        Publish delivered = subscriber.receive(Publish.class);
        assertThat(delivered.topic()).isEqualTo("test/ok");
        subscriber.send(new PubAck(delivered.packetId()));
        assertThat(subscriber.poll(Duration.ofMillis(150))).as("nothing for the refused filter").isNull();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("With maximum QoS 1 a QoS 2 request is granted QoS 1, and messages come at QoS 1 "
            + "(MQTT-3.8.4-8, §3.9.3)")
    void qos2RequestIsGrantedTheMaximumQos(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "maxqos-sub");
        SubAck subAck = Clients.subscribe(subscriber, 3, new Subscription("maxqos/t", 2));
        assertThat(subAck.reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
        RawClient publisher = clients.raw(version, "maxqos-pub");
        publisher.send(QosLevelsTest.publish("maxqos/t", 1, 1));
        publisher.receive(PubAck.class);
        assertThat(subscriber.receive(Publish.class).qos()).isEqualTo(1);
    }

    @Test
    @DisplayName("Subscribing again to the same filter replaces the subscription: new QoS and Subscription "
            + "Identifier, one delivery (MQTT-3.8.4-3)")
    void resubscribingReplacesTheSubscription() throws Exception {
        RawClient subscriber = clients.raw(MqttVersion.MQTT_5, "replace-sub");
        Clients.subscribe(subscriber, 1, Clients.subscriptionId(1), new Subscription("replace/t", 0));
        SubAck again = Clients.subscribe(subscriber, 2, Clients.subscriptionId(2), new Subscription("replace/t", 1));
        assertThat(again.reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "replace-pub");
        publisher.send(QosLevelsTest.publish("replace/t", 1, 1));
        publisher.receive(PubAck.class);
        Publish delivered = subscriber.receive(Publish.class);
        assertThat(delivered.qos()).isEqualTo(1);
        assertThat(delivered.properties().subscriptionIdentifiers()).containsExactly(2L);
        subscriber.send(new PubAck(delivered.packetId()));
        assertThat(subscriber.poll(Duration.ofMillis(150))).as("one subscription, one delivery").isNull();
    }

    @Test
    @DisplayName("Paho v3 sees 0x80 for the refused filter and QoS 1 granted for a QoS 2 request (3.1.1 §3.9.3)")
    void paho3SeesTheReturnCodes() throws Exception {
        Paho3 subscriber = clients.paho3("suback-paho");
        int[] granted = subscriber.client.subscribeWithResponse(
                new String[] {"test/nosubscribe", "test/two", "test/zero"}, new int[] {1, 2, 0}).getGrantedQos();
        assertThat(granted).containsExactly(0x80, 1, 0);
    }

    @Test
    @DisplayName("HiveMQ (5.0) sees 0x80 for the refused filter and Granted QoS 1 for a QoS 2 request")
    void hiveMqSeesTheReasonCodes() {
        Mqtt5BlockingClient subscriber = clients.hivemq5("suback-hive");
        // The blocking client raises a SUBACK with any error code as an exception that carries it.
        Mqtt5SubAck subAck = null;
        try {
            subscriber.subscribeWith()
                    .addSubscription(Mqtt5Subscription.builder().topicFilter("test/two").qos(MqttQos.EXACTLY_ONCE)
                            .build())
                    .addSubscription(Mqtt5Subscription.builder().topicFilter("test/nosubscribe")
                            .qos(MqttQos.AT_LEAST_ONCE).build())
                    .send();
        } catch (Mqtt5SubAckException e) {
            subAck = e.getMqttMessage();
        }
        assertThat(subAck).as("SUBACK with an error code").isNotNull();
        assertThat(subAck.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1,
                Mqtt5SubAckReasonCode.UNSPECIFIED_ERROR);
    }

    @Test
    @DisplayName("A subscription refused inside a mixed SUBSCRIBE leaves the client subscribed to the rest")
    void hiveMqKeepsTheSuccessfulSubscriptionOfAMixedSubscribe() throws Exception {
        Mqtt5BlockingClient subscriber = clients.hivemq5("suback-mixed");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            try {
                subscriber.subscribeWith()
                        .addSubscription(Mqtt5Subscription.builder().topicFilter("test/nosubscribe").build())
                        .addSubscription(Mqtt5Subscription.builder().topicFilter("test/fine")
                                .qos(MqttQos.AT_MOST_ONCE).build())
                        .send();
            } catch (Mqtt5SubAckException e) {
                assertThat(e.getMqttMessage().getReasonCodes()).containsExactly(
                        Mqtt5SubAckReasonCode.UNSPECIFIED_ERROR, Mqtt5SubAckReasonCode.GRANTED_QOS_0);
            }
            Mqtt5BlockingClient publisher = clients.hivemq5("suback-mixed-pub");
            publisher.publishWith().topic("test/nosubscribe").payload(Clients.utf8("no")).send();
            publisher.publishWith().topic("test/fine").payload(Clients.utf8("yes")).send();
            Optional<Mqtt5Publish> message = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(message).isPresent();
            assertThat(message.get().getTopic().toString()).isEqualTo("test/fine");
            assertThat(publishes.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }
}
