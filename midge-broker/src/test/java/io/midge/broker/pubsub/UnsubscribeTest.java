package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAck;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.pubsub.Clients.Paho5;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.util.List;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** UNSUBSCRIBE and UNSUBACK: the subscription goes, its messages stop, and 5.0 says which filters had one. */
class UnsubscribeTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @Test
    @DisplayName("5.0: UNSUBACK has 0x00 for a filter that had a subscription and 0x11 for one that had none, "
            + "in the order of the filters (§3.11.3)")
    void unsubackSaysWhichFiltersHadASubscription() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_5, "unsuback-5");
        Clients.subscribe(client, 1, new Subscription("u/a", 1), new Subscription("u/+", 0));
        client.send(new Unsubscribe(2, List.of("u/none", "u/a", "u/#"), MqttProperties.EMPTY));
        UnsubAck unsubAck = client.receive(UnsubAck.class);
        assertThat(unsubAck.packetId()).isEqualTo(2);
        assertThat(unsubAck.reasonCodes()).containsExactly(ReasonCode.NO_SUBSCRIPTION_EXISTED, ReasonCode.SUCCESS,
                ReasonCode.NO_SUBSCRIPTION_EXISTED);

        client.send(new Unsubscribe(3, List.of("u/a", "u/+"), MqttProperties.EMPTY));
        assertThat(client.receive(UnsubAck.class).reasonCodes())
                .as("gone after the first UNSUBSCRIBE; the other one is still there")
                .containsExactly(ReasonCode.NO_SUBSCRIPTION_EXISTED, ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("3.1.1: UNSUBACK carries the packet id and no payload, also for a filter never subscribed "
            + "(MQTT-3.10.4-4, MQTT-3.10.4-5)")
    void unsubackIn311HasThePacketIdOnly() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_3_1_1, "unsuback-3");
        client.send(new Unsubscribe(9, List.of("never/subscribed"), MqttProperties.EMPTY));
        UnsubAck unsubAck = client.receive(UnsubAck.class);
        assertThat(unsubAck.packetId()).isEqualTo(9);
        assertThat(unsubAck.reasonCodes()).isEmpty();
    }

    @Test
    @DisplayName("After UNSUBSCRIBE no more messages arrive for the filter; the others go on (MQTT-3.10.4-2)")
    void messagesStopAfterUnsubscribe() throws Exception {
        Paho3 subscriber = clients.paho3("unsub-sub");
        subscriber.client.subscribe(new String[] {"news/sport", "news/weather"}, new int[] {1, 1});
        Paho3 publisher = clients.paho3("unsub-pub");
        publisher.publish("news/sport", "goal", 1, false);
        await().until(() -> subscriber.received.size() == 1);

        subscriber.client.unsubscribe("news/sport");
        publisher.publish("news/sport", "another goal", 1, false);
        publisher.publish("news/weather", "rain", 1, false);
        await().until(() -> subscriber.received.size() >= 2);
        assertThat(subscriber.payloads()).containsExactly("goal", "rain");
    }

    @Test
    @DisplayName("Filters compare character by character: unsubscribing 'u/a' leaves 'u/+' in place "
            + "(MQTT-3.10.4-1)")
    void unsubscribeComparesFiltersLiterally() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_5, "literal");
        Clients.subscribe(client, 1, new Subscription("u/+", 1));
        client.send(new Unsubscribe(2, List.of("u/a"), MqttProperties.EMPTY));
        assertThat(client.receive(UnsubAck.class).reasonCodes()).containsExactly(ReasonCode.NO_SUBSCRIPTION_EXISTED);
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "literal-pub");
        publisher.send(QosLevelsTest.publish("u/a", 1, 1));
        publisher.receive(PubAck.class);
        Publish delivered = client.receive(Publish.class);
        assertThat(delivered.topic()).isEqualTo("u/a");
        client.send(new PubAck(delivered.packetId()));
    }

    @Test
    @DisplayName("HiveMQ (5.0) sees Success and No subscription existed in UNSUBACK")
    void hiveMqSeesUnsubackReasonCodes() {
        Mqtt5BlockingClient client = clients.hivemq5("unsub-hive");
        client.subscribeWith().topicFilter("h/a").send();
        Mqtt5UnsubAck first = client.unsubscribeWith().topicFilter("h/a").send();
        assertThat(first.getReasonCodes()).containsExactly(Mqtt5UnsubAckReasonCode.SUCCESS);
        Mqtt5UnsubAck second = client.unsubscribeWith().topicFilter("h/a").send();
        assertThat(second.getReasonCodes()).containsExactly(Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED);
    }

    @Test
    @DisplayName("Paho v5 sees UNSUBACK 0x00 then 0x11, and no message after unsubscribing")
    void paho5SeesUnsubackAndNoMoreMessages() throws Exception {
        Paho5 client = clients.paho5("unsub-paho5");
        client.client.subscribe(new MqttSubscription("p5/a", 1)).waitForCompletion(5000);
        var first = client.client.unsubscribe("p5/a");
        first.waitForCompletion(5000);
        assertThat(first.getReasonCodes()).containsExactly(0x00);
        var second = client.client.unsubscribe("p5/a");
        second.waitForCompletion(5000);
        assertThat(second.getReasonCodes()).containsExactly(0x11);

        client.client.subscribe(new MqttSubscription("p5/b", 1)).waitForCompletion(5000);
        Paho5 publisher = clients.paho5("unsub-paho5-pub");
        publisher.client.publish("p5/a", Clients.utf8("not for you"), 1, false).waitForCompletion(5000);
        publisher.client.publish("p5/b", Clients.utf8("marker"), 1, false).waitForCompletion(5000);
        await().until(() -> !client.received.isEmpty());
        assertThat(client.payloads()).containsExactly("marker");
        assertThat(client.poll(1)).isNotNull(); // the marker, checked above
        assertThat(client.poll(100)).isNull();
    }
}
