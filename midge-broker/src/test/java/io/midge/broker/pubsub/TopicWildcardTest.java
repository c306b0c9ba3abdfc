package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.testing.BrokerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The topic tree as clients see it: '+' and '#' (MQTT 5.0 section 4.7) and topics starting with '$'. */
class TopicWildcardTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    static Stream<Arguments> filters() {
        return Stream.of(
                Arguments.of("sport/tennis/player1/#",
                        List.of("sport/tennis/player1", "sport/tennis/player1/ranking",
                                "sport/tennis/player1/score/wimbledon"),
                        List.of("sport/tennis/player2", "sport/tennis")),
                // '#' also matches the parent level itself (section 4.7.1.2).
                Arguments.of("sport/#", List.of("sport", "sport/tennis", "sport/tennis/player1", "sport/"),
                        List.of("sports", "other/sport")),
                Arguments.of("#", List.of("sport", "a/b/c", "/leading", "trailing/"), List.of()),
                Arguments.of("sport/tennis/+", List.of("sport/tennis/player1", "sport/tennis/player2"),
                        List.of("sport/tennis/player1/ranking", "sport/tennis")),
                // '+' matches one level, an empty one included (section 4.7.1.3).
                Arguments.of("sport/+", List.of("sport/", "sport/tennis"), List.of("sport", "sport/tennis/x")),
                Arguments.of("+/+", List.of("/finance", "a/b"), List.of("finance", "a/b/c")),
                Arguments.of("/+", List.of("/finance"), List.of("finance", "a/finance")),
                Arguments.of("+", List.of("finance"), List.of("/finance", "a/b")),
                Arguments.of("+/tennis/#", List.of("sport/tennis", "sport/tennis/player1"),
                        List.of("sport/golf", "tennis")),
                // Topic levels compare exactly: case and spaces count.
                Arguments.of("Sport/Tennis", List.of("Sport/Tennis"), List.of("sport/tennis", "Sport/Tennis ")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    @DisplayName("A filter receives exactly the topics it matches (§4.7.1)")
    void aFilterReceivesExactlyTheTopicsItMatches(String filter, List<String> matching, List<String> notMatching)
            throws Exception {
        Paho3 subscriber = clients.paho3("wild-sub");
        subscriber.client.subscribe(filter, 0);
        Paho3 publisher = clients.paho3("wild-pub");
        List<String> all = new ArrayList<>(notMatching);
        all.addAll(matching);
        for (String topic : all) {
            publisher.publish(topic, topic, 0, false);
        }
        // Everything goes through one publisher connection and one subscriber session, in order: once the last
        // matching topic is in, the non-matching ones before it would have been too.
        await().until(() -> subscriber.received.size() >= matching.size());
        assertThat(subscriber.received).extracting(Clients.Received::topic)
                .containsExactlyInAnyOrderElementsOf(matching);
    }

    @Test
    @DisplayName("'sport/#' receives a message published to 'sport' itself (§4.7.1.2)")
    void multiLevelWildcardMatchesTheParentLevelWithHiveMq() throws Exception {
        Mqtt5BlockingClient subscriber = clients.hivemq5("parent-sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            subscriber.subscribeWith().topicFilter("sport/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient publisher = clients.hivemq5("parent-pub");
            publisher.publishWith().topic("sport").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("x")).send();
            Optional<Mqtt5Publish> message = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(message).isPresent();
            assertThat(message.get().getTopic().toString()).isEqualTo("sport");
        }
    }

    @Test
    @DisplayName("Filters starting with a wildcard do not match topics starting with '$'; '$SYS/#' does "
            + "(MQTT-4.7.2-1)")
    void dollarTopicsAreNotMatchedByLeadingWildcards() throws Exception {
        Mqtt5BlockingClient hash = clients.hivemq5("dollar-hash");
        Mqtt5BlockingClient plus = clients.hivemq5("dollar-plus");
        Mqtt5BlockingClient sys = clients.hivemq5("dollar-sys");
        Mqtt5BlockingClient sysPlus = clients.hivemq5("dollar-sys-plus");
        try (Mqtt5BlockingClient.Mqtt5Publishes hashIn = hash.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes plusIn = plus.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes sysIn = sys.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes sysPlusIn = sysPlus.publishes(MqttGlobalPublishFilter.ALL)) {
            hash.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            plus.subscribeWith().topicFilter("+/monitor/Clients").qos(MqttQos.AT_LEAST_ONCE).send();
            sys.subscribeWith().topicFilter("$SYS/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sysPlus.subscribeWith().topicFilter("$SYS/monitor/+").qos(MqttQos.AT_LEAST_ONCE).send();

            Mqtt5BlockingClient publisher = clients.hivemq5("dollar-pub");
            broker.publishAsBroker("$SYS/monitor/Clients", 1, false, "system"); // clients may not publish to $
            publisher.publishWith().topic("app/monitor/Clients").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("application")).send();

            // The '$' message was published first: a client that gets the second message first never gets it.
            assertThat(payload(hashIn.receive(5, TimeUnit.SECONDS))).isEqualTo("application");
            assertThat(payload(plusIn.receive(5, TimeUnit.SECONDS))).isEqualTo("application");
            assertThat(payload(sysIn.receive(5, TimeUnit.SECONDS))).isEqualTo("system");
            assertThat(payload(sysPlusIn.receive(5, TimeUnit.SECONDS))).isEqualTo("system");
            assertThat(hashIn.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(plusIn.receive(1, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(sysIn.receive(1, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(sysPlusIn.receive(1, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    @DisplayName("A '$' topic below the first level is an ordinary level: 'a/+' matches 'a/$b' (MQTT-4.7.2-1)")
    void dollarBelowTheFirstLevelIsOrdinary() throws Exception {
        Paho3 subscriber = clients.paho3("dollar-deep-sub");
        subscriber.client.subscribe(new String[] {"a/+", "+/$b/#"}, new int[] {1, 1});
        Paho3 publisher = clients.paho3("dollar-deep-pub");
        publisher.publish("a/$b", "deep", 1, false);
        await().until(() -> subscriber.received.size() == 1);
        assertThat(subscriber.received).containsExactly(new Clients.Received("a/$b", "deep", 1, false));
    }

    private static String payload(Optional<Mqtt5Publish> message) {
        assertThat(message).as("a message").isPresent();
        return Clients.text(message.get().getPayloadAsBytes());
    }
}
