package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.pubsub.Clients.Paho5;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.time.Duration;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A message matching several subscriptions of one client goes to it once, at the highest QoS of them, and in 5.0
 * with the Subscription Identifier of every one of them.
 */
class OverlappingSubscriptionsTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @Test
    @DisplayName("3.1.1: overlapping subscriptions deliver once at the highest granted QoS (MQTT-3.3.5-1)")
    void paho3ReceivesOnceAtTheHighestQos() throws Exception {
        Paho3 subscriber = clients.paho3("overlap-v3");
        subscriber.client.subscribe(new String[] {"home/#", "home/+/temp", "home/kitchen/temp"},
                new int[] {0, 2, 1});
        Paho3 publisher = clients.paho3("overlap-v3-pub");
        publisher.publish("home/kitchen/temp", "21.5", 2, false);
        publisher.publish("home/kitchen/light", "on", 2, false); // matches home/# only, at QoS 0
        await().until(() -> subscriber.received.size() >= 2);
        // Two topics at two QoS levels have no order between them (MQTT-4.6.0-6 orders a topic at one QoS), and
        // Paho hands a QoS 2 message over only at PUBREL: either may come first.
        assertThat(subscriber.received).containsExactlyInAnyOrder(
                new Clients.Received("home/kitchen/temp", "21.5", 2, false),
                new Clients.Received("home/kitchen/light", "on", 0, false));
    }

    @Test
    @DisplayName("5.0: one PUBLISH at the highest QoS carrying every matching Subscription Identifier "
            + "(MQTT-3.3.4-2, MQTT-3.3.4-3, MQTT-3.3.4-4)")
    void rawClientReceivesOnePublishWithEverySubscriptionIdentifier() throws Exception {
        RawClient subscriber = clients.raw(MqttVersion.MQTT_5, "overlap-raw");
        Clients.subscribe(subscriber, 1, Clients.subscriptionId(11), new Subscription("plant/#", 0));
        Clients.subscribe(subscriber, 2, Clients.subscriptionId(22), new Subscription("plant/+/pressure", 1));
        Clients.subscribe(subscriber, 3, new Subscription("plant/boiler/pressure", 0)); // no identifier
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "overlap-raw-pub");
        publisher.send(QosLevelsTest.publish("plant/boiler/pressure", 2, 5));
        publisher.receive(PubRec.class);
        publisher.send(new PubRel(5));
        publisher.receive(PubComp.class);

        Publish delivered = subscriber.receive(Publish.class);
        assertThat(delivered.qos()).isEqualTo(1);
        assertThat(delivered.properties().subscriptionIdentifiers()).containsExactlyInAnyOrder(11L, 22L);
        subscriber.send(new PubAck(delivered.packetId()));
        assertThat(subscriber.poll(Duration.ofMillis(150))).as("one copy only").isNull();

        // A topic that matches only the first subscription carries only its identifier.
        publisher.send(QosLevelsTest.publish("plant/boiler/temp", 1, 6));
        publisher.receive(PubAck.class);
        Publish other = subscriber.receive(Publish.class);
        assertThat(other.qos()).isZero();
        assertThat(other.properties().subscriptionIdentifiers()).containsExactly(11L);
    }

    @Test
    @DisplayName("5.0 with Paho v5: one message with both Subscription Identifiers, at the highest QoS "
            + "(MQTT-3.3.4-2, MQTT-3.3.4-3)")
    void paho5ReceivesOneMessageWithBothSubscriptionIdentifiers() throws Exception {
        Paho5 subscriber = clients.paho5("overlap-p5");
        subscribe(subscriber, "farm/#", 1, 7);
        subscribe(subscriber, "farm/+/humidity", 2, 8);
        Paho5 publisher = clients.paho5("overlap-p5-pub");
        publisher.client.publish("farm/barn/humidity", Clients.utf8("55"), 2, false).waitForCompletion(5000);
        await().until(() -> !subscriber.received.isEmpty());
        Clients.Received received = subscriber.received.get(0);
        assertThat(received.qos()).isEqualTo(2);
        assertThat(received.subscriptionIds()).containsExactlyInAnyOrder(7, 8);
        assertThat(subscriber.poll(5000)).isNotNull(); // take the one just checked
        assertThat(subscriber.poll(150)).as("one copy only").isNull();
    }

    private static void subscribe(Paho5 client, String filter, int qos, int subscriptionId) throws Exception {
        MqttProperties properties = new MqttProperties();
        properties.setSubscriptionIdentifier(subscriptionId);
        client.client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, qos)}, null, null, properties)
                .waitForCompletion(5000);
    }
}
