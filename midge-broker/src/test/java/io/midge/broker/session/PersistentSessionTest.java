package io.midge.broker.session;

import static io.midge.broker.config.ConfigKeys.QUEUE_QOS0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.midge.broker.testing.BrokerExtension;
import java.util.List;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A persistent session keeps its subscriptions and queues QoS 1 and 2 messages while its client is away. */
class PersistentSessionTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    @Test
    @DisplayName("3.1.1 Clean Session 0: the session and its subscriptions survive the connection, Session Present 1 "
            + "[MQTT-3.1.2-4] [MQTT-3.2.2-2]")
    void persistentSessionIsResumedWithItsSubscriptions() throws Exception {
        Inbox inbox = new Inbox();
        MqttClient sub = clients.offlineSubscriber("persist-resume", "persist/resume/#", 1, inbox);

        assertThat(sub.connectWithResult(Clients.cleanSession(false)).getSessionPresent()).isTrue();
        IMqttClient pub = clients.publisher("persist-resume-pub");
        pub.publish("persist/resume/a", Clients.utf8("live"), 1, false);
        // No SUBSCRIBE on this connection: the session's subscription delivers it.
        assertThat(inbox.await(1)).extracting(Inbox.Received::payload).containsExactly("live");
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    @DisplayName("3.1.1 QoS 1 and 2 messages for an offline client are queued and delivered in order on reconnect "
            + "[MQTT-3.1.2-5] [MQTT-4.6.0-6]")
    void queuesMessagesForAnOfflineClientInOrder(int qos) throws Exception {
        Inbox inbox = new Inbox();
        MqttClient sub = clients.offlineSubscriber("persist-queue-" + qos, "persist/queue" + qos, 2, inbox);
        IMqttClient pub = clients.publisher("persist-queue-pub-" + qos);
        for (int i = 0; i < 100; i++) {
            pub.publish("persist/queue" + qos, Clients.utf8("m" + i), qos, false);
        }
        assertThat(broker.broker().sessions().get("persist-queue-" + qos).queue().pendingMessages()).isEqualTo(100);

        assertThat(sub.connectWithResult(Clients.cleanSession(false)).getSessionPresent()).isTrue();
        List<Inbox.Received> received = inbox.await(100);
        assertThat(received).extracting(Inbox.Received::payload)
                .containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "m" + i).toList());
        assertThat(received).extracting(Inbox.Received::qos).containsOnly(qos);
    }

    @Test
    @DisplayName("3.1.1 QoS 0 messages for an offline client are not queued by default (MQTT-3.1.2-5 makes it a MAY)")
    void doesNotQueueQos0ForAnOfflineClient() throws Exception {
        Inbox inbox = new Inbox();
        MqttClient sub = clients.offlineSubscriber("persist-qos0", "persist/qos0", 1, inbox);
        IMqttClient pub = clients.publisher("persist-qos0-pub");
        for (int i = 0; i < 5; i++) {
            pub.publish("persist/qos0", Clients.utf8("q0-" + i), 0, false);
        }
        pub.publish("persist/qos0", Clients.utf8("marker"), 1, false);
        Session session = broker.broker().sessions().get("persist-qos0");
        await().until(() -> session.queue().pendingMessages() == 1);

        sub.connect(Clients.cleanSession(false));
        // The marker came after the QoS 0 messages on the same topic: had they been queued, they would be first.
        assertThat(inbox.awaitPayload("marker")).extracting(Inbox.Received::payload).containsExactly("marker");
        assertThat(broker.broker().metrics().droppedOffline.sum()).isEqualTo(5);
    }

    @Test
    @DisplayName("queueQos0 on: QoS 0 messages for an offline client are queued too")
    void queuesQos0WhenConfigured() throws Exception {
        broker.restart(b -> b.set(QUEUE_QOS0, true));
        Inbox inbox = new Inbox();
        MqttClient sub = clients.offlineSubscriber("persist-qos0-on", "persist/qos0on", 1, inbox);
        IMqttClient pub = clients.publisher("persist-qos0-on-pub");
        for (int i = 0; i < 5; i++) {
            pub.publish("persist/qos0on", Clients.utf8("q0-" + i), 0, false);
        }
        pub.publish("persist/qos0on", Clients.utf8("marker"), 1, false);

        sub.connect(Clients.cleanSession(false));
        assertThat(inbox.awaitPayload("marker")).extracting(Inbox.Received::payload)
                .containsExactly("q0-0", "q0-1", "q0-2", "q0-3", "q0-4", "marker");
        assertThat(broker.broker().metrics().droppedOffline.sum()).isZero();
    }

    @Test
    @DisplayName("5.0 Clean Start 0 with a Session Expiry Interval: subscriptions and queued QoS 1/2 messages are kept "
            + "[MQTT-3.1.2-5] [MQTT-3.1.2-23] [MQTT-3.2.2-3]")
    void mqtt5SessionWithExpiryKeepsSubscriptionsAndQueue() throws Exception {
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient sub = clients.hivemq("persist-5", inbox);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("persist5/+").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();

        Mqtt5BlockingClient pub = clients.hivemq("persist-5-pub", new Inbox());
        pub.connect();
        for (int i = 0; i < 100; i++) {
            MqttQos qos = i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE;
            pub.publishWith().topic("persist5/" + (i % 3)).qos(qos).payload(Clients.utf8("m" + i)).send();
        }
        pub.publishWith().topic("persist5/0").qos(MqttQos.AT_MOST_ONCE).payload(Clients.utf8("qos0")).send();

        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();
        List<Inbox.Received> received = inbox.await(100);
        assertThat(received).extracting(Inbox.Received::payload)
                .containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "m" + i).toList());
        assertThat(received).extracting(Inbox.Received::qos)
                .containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> i % 2 == 0 ? 1 : 2).toList());
    }
}
