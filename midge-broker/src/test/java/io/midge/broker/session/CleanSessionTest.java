package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.testkit.RawClient;
import java.util.List;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clean Session (3.1.1) and Clean Start (5.0): a clean session starts empty, and a 3.1.1 one ends with its
 * connection.
 */
class CleanSessionTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    @Test
    @DisplayName("3.1.1 Clean Session 1 discards a stored session: Session Present 0, old subscriptions gone "
            + "[MQTT-3.1.2-6] [MQTT-3.2.2-1]")
    void cleanSessionDiscardsTheStoredSession() throws Exception {
        MqttClient sub = clients.paho("clean-311-a");
        Inbox inbox = new Inbox();
        assertThat(sub.connectWithResult(Clients.cleanSession(false)).getSessionPresent()).isFalse();
        sub.subscribe("clean311a/old", 1, inbox);
        sub.disconnect();

        assertThat(sub.connectWithResult(Clients.cleanSession(true)).getSessionPresent()).isFalse();
        sub.subscribe("clean311a/marker", 1, inbox);
        assertThat(broker.broker().sessions().get("clean-311-a").subscriptions()).containsOnlyKeys("clean311a/marker");

        IMqttClient pub = clients.publisher("clean-311-a-pub");
        pub.publish("clean311a/old", Clients.utf8("old"), 1, false);
        pub.publish("clean311a/marker", Clients.utf8("marker"), 1, false);
        // Both go through the same session in order: when the marker is in, "old" would be too.
        assertThat(inbox.awaitPayload("marker")).extracting(Inbox.Received::payload).containsExactly("marker");
    }

    @Test
    @DisplayName("3.1.1 Clean Session 1 lasts as long as the connection: reconnecting with Clean Session 0 "
            + "finds nothing [MQTT-3.1.2-6]")
    void cleanSessionEndsWithItsConnection() throws Exception {
        MqttClient sub = clients.paho("clean-311-b");
        Inbox inbox = new Inbox();
        sub.connect(Clients.cleanSession(true));
        sub.subscribe("clean311b/old", 1, inbox);
        assertThat(broker.broker().sessions().get("clean-311-b")).isNotNull();
        sub.disconnect();
        await().until(() -> broker.broker().sessions().get("clean-311-b") == null);

        assertThat(sub.connectWithResult(Clients.cleanSession(false)).getSessionPresent()).isFalse();
        sub.subscribe("clean311b/marker", 1, inbox);
        IMqttClient pub = clients.publisher("clean-311-b-pub");
        pub.publish("clean311b/old", Clients.utf8("old"), 1, false);
        pub.publish("clean311b/marker", Clients.utf8("marker"), 1, false);
        assertThat(inbox.awaitPayload("marker")).extracting(Inbox.Received::payload).containsExactly("marker");
    }

    @Test
    @DisplayName("3.1.1 Clean Session 1 ends at an unexpected close too, and its queue with it [MQTT-3.1.2-6]")
    void cleanSessionEndsWhenTheSocketCloses() throws Exception {
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect311("clean-311-c", true, 0, null));
            raw.send(new Subscribe(1, List.of(new Subscription("clean311c/t", 1)), MqttProperties.EMPTY));
            raw.receive(SubAck.class);
        }
        await().until(() -> broker.broker().sessions().get("clean-311-c") == null);
        try (RawClient raw = new RawClient(broker.port())) {
            ConnAck ack = raw.connect(Clients.connect311("clean-311-c", false, 0, null));
            assertThat(ack.sessionPresent()).isFalse();
            assertThat(broker.broker().sessions().get("clean-311-c").subscriptions()).isEmpty();
        }
    }

    @Test
    @DisplayName("5.0 Clean Start 1 discards an existing session even with a Session Expiry Interval: "
            + "Session Present 0, no old subscriptions [MQTT-3.1.2-4] [MQTT-3.2.2-2]")
    void cleanStartDiscardsTheExistingSession() throws Exception {
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hivemq("clean-5-a", inbox);
        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent())
                .isFalse();
        sub.subscribeWith().topicFilter("clean5a/old").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        assertThat(sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send().isSessionPresent())
                .isFalse();
        assertThat(broker.broker().sessions().get("clean-5-a").subscriptions()).isEmpty();
        Inbox none = new Inbox();
        Mqtt5BlockingClient pub = clients.hivemq("clean-5-a-pub", none);
        pub.connect();
        // The old subscription left the topic tree: a 5.0 publisher hears that nobody took the message.
        Mqtt5PublishResult result = pub.publishWith().topic("clean5a/old").qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.utf8("old")).send();
        assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode())
                .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(inbox.size()).isZero();
    }

    @Test
    @DisplayName("5.0 Clean Start 1 with Session Expiry 0 is the 3.1.1 clean session: gone at disconnect")
    void cleanStartWithoutExpiryEndsAtDisconnect() throws Exception {
        Mqtt5BlockingClient sub = clients.hivemq("clean-5-b", new Inbox());
        sub.connectWith().cleanStart(true).send();
        sub.subscribeWith().topicFilter("clean5b/t").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        await().until(() -> broker.broker().sessions().get("clean-5-b") == null);
        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent())
                .isFalse();
    }
}
