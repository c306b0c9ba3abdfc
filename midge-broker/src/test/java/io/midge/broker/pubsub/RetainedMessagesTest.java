package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.pubsub.Clients.Paho5;
import io.midge.broker.pubsub.Clients.Received;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Retained messages: one per topic, sent to new subscriptions with RETAIN set, replaced by newer ones, cleared by
 * an empty payload; live deliveries clear RETAIN unless Retain As Published; 5.0 Retain Handling 0, 1 and 2.
 * Statement numbers are MQTT 5.0's unless marked 3.1.1.
 */
class RetainedMessagesTest {
    private static final Duration QUIET = Duration.ofMillis(150);

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    // ------------------------------------------------------------------ kept, replaced, cleared (3.1.1, Paho v3)

    @Test
    @DisplayName("A retained message outlives its publisher's connection and reaches a new subscriber with RETAIN 1 "
            + "(3.1.1 MQTT-3.3.1-5, MQTT-3.3.1-6, MQTT-3.3.1-8)")
    void retainedMessageIsSentOnSubscribeWithTheRetainFlag() throws Exception {
        Paho3 publisher = clients.paho3("kept-pub");
        publisher.publish("kept/temp", "21.5", 1, true);
        publisher.client.disconnect();

        Paho3 subscriber = clients.paho3("kept-sub");
        subscriber.client.subscribe("kept/temp", 1);
        await().until(() -> !subscriber.received.isEmpty());
        assertThat(subscriber.received).containsExactly(new Received("kept/temp", "21.5", 1, true));
    }

    @Test
    @DisplayName("A newer retained message replaces the older one of the topic (MQTT-3.3.1-5)")
    void newerRetainedMessageReplacesTheOlder() throws Exception {
        Paho3 publisher = clients.paho3("replace-pub");
        for (String value : new String[] {"1", "2", "3"}) {
            publisher.publish("replace/t", value, 1, true);
        }
        Paho3 subscriber = clients.paho3("replace-sub");
        subscriber.client.subscribe("replace/t", 1);
        publisher.publish("replace/t", "live", 1, false);
        await().until(() -> subscriber.received.size() >= 2);
        assertThat(subscriber.received).containsExactly(new Received("replace/t", "3", 1, true),
                new Received("replace/t", "live", 1, false));
    }

    @Test
    @DisplayName("Each topic keeps its own retained message; a wildcard subscription gets every matching one once "
            + "(MQTT-3.3.1-9, §4.7)")
    void eachTopicKeepsItsOwnRetainedMessage() throws Exception {
        Paho3 publisher = clients.paho3("topics-pub");
        publisher.publish("house/a", "A", 0, true);
        publisher.publish("house/b", "B", 1, true);
        publisher.publish("house/c/d", "CD", 1, true);

        Paho3 onePlus = clients.paho3("topics-plus");
        onePlus.client.subscribe("house/+", 1);
        Paho3 all = clients.paho3("topics-hash");
        all.client.subscribe("house/#", 1);
        publisher.publish("house/end", "live", 0, false);
        await().until(() -> onePlus.received.size() >= 3 && all.received.size() >= 4);
        assertThat(onePlus.received).containsExactlyInAnyOrder(new Received("house/a", "A", 0, true),
                new Received("house/b", "B", 1, true), new Received("house/end", "live", 0, false));
        assertThat(all.received).containsExactlyInAnyOrder(new Received("house/a", "A", 0, true),
                new Received("house/b", "B", 1, true), new Received("house/c/d", "CD", 1, true),
                new Received("house/end", "live", 0, false));
    }

    @Test
    @DisplayName("An empty retained message clears the topic's retained message, is not stored itself, and is "
            + "forwarded to current subscribers (MQTT-3.3.1-6, MQTT-3.3.1-7; 3.1.1 MQTT-3.3.1-10, MQTT-3.3.1-11)")
    void emptyPayloadClearsTheRetainedMessage() throws Exception {
        Paho3 current = clients.paho3("clear-current");
        current.client.subscribe("clear/t", 1);
        Paho3 publisher = clients.paho3("clear-pub");
        publisher.publish("clear/t", "soon gone", 1, true);
        publisher.publish("clear/t", "", 1, true);
        await().until(() -> current.received.size() >= 2);
        assertThat(current.received).containsExactly(new Received("clear/t", "soon gone", 1, false),
                new Received("clear/t", "", 1, false));

        Paho3 newcomer = clients.paho3("clear-new");
        newcomer.client.subscribe("clear/t", 1);
        publisher.publish("clear/t", "live", 1, false);
        await().until(() -> !newcomer.received.isEmpty());
        assertThat(newcomer.received).containsExactly(new Received("clear/t", "live", 1, false));
        assertThat(broker.broker().router().retained().size()).isZero();
    }

    @Test
    @DisplayName("A message without RETAIN neither stores nor replaces the retained message (MQTT-3.3.1-8; "
            + "3.1.1 MQTT-3.3.1-12)")
    void nonRetainedMessageDoesNotReplaceTheRetainedOne() throws Exception {
        Paho3 publisher = clients.paho3("keep-pub");
        publisher.publish("keep/t", "retained", 1, true);
        publisher.publish("keep/t", "not retained", 1, false);
        publisher.publish("keep/other", "not retained either", 1, false);
        Paho3 subscriber = clients.paho3("keep-sub");
        subscriber.client.subscribe("keep/#", 1);
        publisher.publish("keep/t", "live", 1, false);
        await().until(() -> subscriber.received.size() >= 2);
        assertThat(subscriber.received).containsExactly(new Received("keep/t", "retained", 1, true),
                new Received("keep/t", "live", 1, false));
    }

    @Test
    @DisplayName("A retained message forwarded to an existing subscription has RETAIN 0 (3.1.1 MQTT-3.3.1-9)")
    void liveDeliveryClearsTheRetainFlagIn311() throws Exception {
        Paho3 subscriber = clients.paho3("live-sub");
        subscriber.client.subscribe("live/t", 2);
        Paho3 publisher = clients.paho3("live-pub");
        publisher.publish("live/t", "fresh", 2, true);
        await().until(() -> !subscriber.received.isEmpty());
        assertThat(subscriber.received).containsExactly(new Received("live/t", "fresh", 2, false));
    }

    @Test
    @DisplayName("3.1.1: subscribing again to the same filter sends the retained message again (MQTT-3.8.4-3)")
    void resubscribingSendsTheRetainedMessageAgainIn311() throws Exception {
        Paho3 publisher = clients.paho3("again-pub");
        publisher.publish("again/t", "value", 1, true);
        Paho3 subscriber = clients.paho3("again-sub");
        subscriber.client.subscribe("again/t", 1);
        await().until(() -> subscriber.received.size() == 1);
        subscriber.client.subscribe("again/t", 0);
        await().until(() -> subscriber.received.size() == 2);
        assertThat(subscriber.received).containsExactly(new Received("again/t", "value", 1, true),
                new Received("again/t", "value", 0, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.midge.broker.pubsub.TopicWildcardTest#filters")
    @DisplayName("A new subscription gets the retained messages of exactly the topics its filter matches (§4.7, "
            + "MQTT-3.3.1-9)")
    void retainedMessagesMatchFiltersAsLiveMessagesDo(String filter, List<String> matching, List<String> notMatching)
            throws Exception {
        Paho3 publisher = clients.paho3("match-pub");
        for (String topic : notMatching) {
            publisher.publish(topic, topic, 1, true);
        }
        for (String topic : matching) {
            publisher.publish(topic, topic, 1, true);
        }
        Paho3 subscriber = clients.paho3("match-sub");
        subscriber.client.subscribe(filter, 1);
        // The retained messages are queued for the subscriber before its SUBACK; a live message sent after the
        // SUBACK comes after all of them.
        publisher.publish(matching.get(0), "marker", 1, false);
        await().until(() -> subscriber.received.stream().anyMatch(r -> r.payload().equals("marker")));
        List<Received> retained = subscriber.received.subList(0, subscriber.received.size() - 1);
        assertThat(retained).allMatch(Received::retained);
        assertThat(retained).extracting(Received::topic).containsExactlyInAnyOrderElementsOf(matching);
    }

    // ------------------------------------------------------------------ exact packets

    @Test
    @DisplayName("A retained message goes out at the minimum of its QoS and the subscription's, after SUBACK "
            + "(MQTT-3.8.4-8)")
    void retainedMessageComesAtTheMinimumQos() throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "minqos-pub");
        publisher.send(retained("minqos/zero", 0, 0, "zero"));
        publisher.send(retained("minqos/two", 2, 1, "two"));
        publisher.receive(PubRec.class); // both are stored once this is in: one connection, in order
        publisher.send(new PubRel(1));
        publisher.receive(PubComp.class);

        RawClient q1 = clients.raw(MqttVersion.MQTT_3_1_1, "minqos-q1");
        Clients.subscribe(q1, 1, new Subscription("minqos/two", 1));
        Publish two = q1.receive(Publish.class);
        assertThat(two.retainFlag()).isTrue();
        assertThat(two.qos()).isEqualTo(1);
        q1.send(new PubAck(two.packetId()));

        RawClient q2 = clients.raw(MqttVersion.MQTT_5, "minqos-q2");
        Clients.subscribe(q2, 1, new Subscription("minqos/zero", 2));
        Publish zero = q2.receive(Publish.class);
        assertThat(zero.retainFlag()).isTrue();
        assertThat(zero.qos()).isZero();
        assertThat(Qos2FlowTest.payload(zero)).isEqualTo("zero");
    }

    @Test
    @DisplayName("Retained messages on '$' topics are not sent for '#' but are for '$SYS/#' (MQTT-4.7.2-1)")
    void retainedDollarTopicsAreNotMatchedByLeadingWildcards() throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_3_1_1, "dollar-ret-pub");
        broker.publishAsBroker("$SYS/broker/uptime", 0, true, "up"); // clients may not publish to $ topics
        publisher.send(retained("plain/topic", 1, 1, "plain"));
        publisher.receive(PubAck.class);

        RawClient everything = clients.raw(MqttVersion.MQTT_3_1_1, "dollar-ret-hash");
        Clients.subscribe(everything, 1, new Subscription("#", 0));
        assertThat(everything.receive(Publish.class).topic()).isEqualTo("plain/topic");
        assertThat(everything.poll(QUIET)).isNull();

        RawClient sys = clients.raw(MqttVersion.MQTT_3_1_1, "dollar-ret-sys");
        Clients.subscribe(sys, 1, new Subscription("$SYS/#", 0));
        assertThat(sys.receive(Publish.class).topic()).isEqualTo("$SYS/broker/uptime");
        assertThat(sys.poll(QUIET)).isNull();
    }

    @Test
    @DisplayName("A retained message sent for a subscription carries its Subscription Identifier (MQTT-3.3.4-3)")
    void retainedMessageCarriesTheSubscriptionIdentifier() throws Exception {
        publishRetained("subid/t", "value");
        RawClient client = clients.raw(MqttVersion.MQTT_5, "subid");
        Clients.subscribe(client, 1, Clients.subscriptionId(4711), new Subscription("subid/+", 1));
        Publish p = client.receive(Publish.class);
        assertThat(p.retainFlag()).isTrue();
        assertThat(p.properties().subscriptionIdentifiers()).containsExactly(4711L);
        client.send(new PubAck(p.packetId()));
    }

    @Test
    @DisplayName("Retain Handling 0 sends the retained message at every subscribe, also for an existing "
            + "subscription (MQTT-3.3.1-9)")
    void retainHandling0SendsOnEverySubscribe() throws Exception {
        publishRetained("rh0/t", "value");
        RawClient client = clients.raw(MqttVersion.MQTT_5, "rh0");
        for (int packetId = 1; packetId <= 2; packetId++) {
            Clients.subscribe(client, packetId, new Subscription("rh0/t", 0, false, false, 0));
            Publish p = client.receive(Publish.class);
            assertThat(p.retainFlag()).isTrue();
            assertThat(Qos2FlowTest.payload(p)).isEqualTo("value");
        }
        assertThat(client.poll(QUIET)).isNull();
    }

    @Test
    @DisplayName("Retain Handling 1 sends the retained message only when the subscription did not exist "
            + "(MQTT-3.3.1-10)")
    void retainHandling1SendsOnlyForANewSubscription() throws Exception {
        publishRetained("rh1/t", "value");
        RawClient client = clients.raw(MqttVersion.MQTT_5, "rh1");
        Subscription rh1 = new Subscription("rh1/t", 0, false, false, 1);
        Clients.subscribe(client, 1, rh1);
        assertThat(client.receive(Publish.class).retainFlag()).isTrue();

        Clients.subscribe(client, 2, rh1);
        assertThat(client.poll(QUIET)).as("nothing for the subscription that existed").isNull();

        client.send(new Unsubscribe(3, List.of("rh1/t"), MqttProperties.EMPTY));
        client.receive(UnsubAck.class);
        Clients.subscribe(client, 4, rh1);
        assertThat(client.receive(Publish.class).retainFlag()).as("new again after UNSUBSCRIBE").isTrue();
    }

    @Test
    @DisplayName("Retain Handling 2 never sends retained messages (MQTT-3.3.1-11)")
    void retainHandling2NeverSends() throws Exception {
        publishRetained("rh2/t", "value");
        RawClient client = clients.raw(MqttVersion.MQTT_5, "rh2");
        Clients.subscribe(client, 1, new Subscription("rh2/t", 1, false, false, 2));
        assertThat(client.poll(QUIET)).isNull();
        // The subscription itself works.
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "rh2-pub");
        publisher.send(retained("rh2/t", 0, 0, "live"));
        Publish live = client.receive(Publish.class);
        assertThat(Qos2FlowTest.payload(live)).isEqualTo("live");
        assertThat(live.retainFlag()).as("forwarded without Retain As Published").isFalse();
    }

    @Test
    @DisplayName("Retain As Published keeps the RETAIN flag of forwarded messages; without it RETAIN is 0 "
            + "(MQTT-3.3.1-12, MQTT-3.3.1-13)")
    void retainAsPublishedKeepsTheFlag() throws Exception {
        RawClient keeps = clients.raw(MqttVersion.MQTT_5, "rap-1");
        Clients.subscribe(keeps, 1, new Subscription("rap/t", 0, false, true, 0));
        RawClient clears = clients.raw(MqttVersion.MQTT_5, "rap-0");
        Clients.subscribe(clears, 1, new Subscription("rap/t", 0, false, false, 0));
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "rap-pub");
        publisher.send(retained("rap/t", 0, 0, "retained"));
        publisher.send(QosLevelsTest.publish("rap/t", 0, 0));

        assertThat(keeps.receive(Publish.class).retainFlag()).isTrue();
        assertThat(keeps.receive(Publish.class).retainFlag()).as("a message published without RETAIN").isFalse();
        assertThat(clears.receive(Publish.class).retainFlag()).isFalse();
        assertThat(clears.receive(Publish.class).retainFlag()).isFalse();
    }

    // ------------------------------------------------------------------ 5.0 clients

    @Test
    @DisplayName("HiveMQ: Retain Handling 0, 1 and 2 and Retain As Published as a real 5.0 client sees them "
            + "(MQTT-3.3.1-9 to MQTT-3.3.1-13)")
    void hiveMqRetainHandlingAndRetainAsPublished() throws Exception {
        Mqtt5BlockingClient publisher = clients.hivemq5("hive-ret-pub");
        publisher.publishWith().topic("hive/ret").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(Clients.utf8("stored")).send();

        Mqtt5BlockingClient send = clients.hivemq5("hive-rh0");
        Mqtt5BlockingClient ifNew = clients.hivemq5("hive-rh1");
        Mqtt5BlockingClient never = clients.hivemq5("hive-rh2");
        try (Mqtt5BlockingClient.Mqtt5Publishes sendIn = send.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes ifNewIn = ifNew.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes neverIn = never.publishes(MqttGlobalPublishFilter.ALL)) {
            send.subscribeWith().topicFilter("hive/ret").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND).retainAsPublished(true).send();
            ifNew.subscribeWith().topicFilter("hive/ret").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            never.subscribeWith().topicFilter("hive/ret").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
            assertRetained(sendIn.receive(5, TimeUnit.SECONDS), "stored", true);
            assertRetained(ifNewIn.receive(5, TimeUnit.SECONDS), "stored", true);

            // Subscribing again: 0 sends again, 1 does not (the subscription exists), 2 never does.
            send.subscribeWith().topicFilter("hive/ret").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND).retainAsPublished(true).send();
            ifNew.subscribeWith().topicFilter("hive/ret").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            assertRetained(sendIn.receive(5, TimeUnit.SECONDS), "stored", true);

            // A live retained message: kept RETAIN only with Retain As Published.
            publisher.publishWith().topic("hive/ret").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(Clients.utf8("newer")).send();
            assertRetained(sendIn.receive(5, TimeUnit.SECONDS), "newer", true);
            assertRetained(ifNewIn.receive(5, TimeUnit.SECONDS), "newer", false);
            assertRetained(neverIn.receive(5, TimeUnit.SECONDS), "newer", false);
            assertThat(sendIn.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(ifNewIn.receive(1, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(neverIn.receive(1, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    @DisplayName("Paho v5: a new subscription gets the retained message with RETAIN 1, an existing one gets live "
            + "messages with RETAIN 0 (MQTT-3.3.1-9, MQTT-3.3.1-12)")
    void paho5SeesTheRetainFlag() throws Exception {
        Paho5 publisher = clients.paho5("paho5-ret-pub");
        publisher.client.publish("p5ret/t", Clients.utf8("old"), 1, true).waitForCompletion(5000);
        Paho5 subscriber = clients.paho5("paho5-ret-sub");
        subscriber.client.subscribe(new MqttSubscription("p5ret/t", 1)).waitForCompletion(5000);
        await().until(() -> subscriber.received.size() == 1);
        publisher.client.publish("p5ret/t", Clients.utf8("new"), 1, true).waitForCompletion(5000);
        await().until(() -> subscriber.received.size() == 2);
        assertThat(subscriber.received).extracting(Received::payload, Received::retained)
                .containsExactly(Tuple.tuple("old", true), Tuple.tuple("new", false));
    }

    // ------------------------------------------------------------------ helpers

    private void publishRetained(String topic, String payload) throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "retainer-" + topic.replace('/', '-'));
        publisher.send(retained(topic, 1, 1, payload));
        publisher.receive(PubAck.class);
    }

    private static Publish retained(String topic, int qos, int packetId, String payload) {
        return new Publish(topic, qos, true, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(Clients.utf8(payload)));
    }

    private static void assertRetained(Optional<Mqtt5Publish> message, String payload, boolean retain) {
        assertThat(message).as("a message").isPresent();
        assertThat(Clients.text(message.get().getPayloadAsBytes())).isEqualTo(payload);
        assertThat(message.get().isRetain()).as("RETAIN of " + payload).isEqualTo(retain);
    }
}
