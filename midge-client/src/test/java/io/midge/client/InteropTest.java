package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.midge.client.testing.MosquittoBroker;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The client against Midge and against Mosquitto, for every QoS and both protocol versions. */
class InteropTest {
    private static MidgeBroker midge;
    private static MosquittoBroker mosquitto;

    @BeforeAll
    static void startBrokers() {
        midge = MidgeBroker.start();
        mosquitto = MosquittoBroker.start();
    }

    @AfterAll
    static void stopBrokers() {
        midge.close();
        mosquitto.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String broker : List.of("midge", "mosquitto")) {
            for (MqttVersion version : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5)) {
                for (int qos = 0; qos <= 2; qos++) {
                    cases.add(Arguments.of(broker, version, qos));
                }
            }
        }
        return cases.stream();
    }

    private static int port(String broker) {
        return broker.equals("midge") ? midge.port() : mosquitto.port();
    }

    @ParameterizedTest(name = "{0} {1} QoS {2}")
    @MethodSource("cases")
    void messagesPublishedAtAQosArriveInOrderAtThatQos(String broker, MqttVersion version, int qos) {
        String topic = "interop/" + broker + "/" + version + "/" + qos;
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        try (MidgeClient subscriber = MidgeClient.builder().port(port(broker)).version(version)
                .onMessage(received::add).build();
             MidgeClient publisher = MidgeClient.builder().port(port(broker)).version(version).build()) {
            subscriber.connect().join();
            SubscribeResult granted = subscriber.subscribe(topic, qos).join();
            assertThat(granted.reasonCodes()).containsExactly(ReasonCode.values()[ReasonCode.GRANTED_QOS_0.ordinal() + qos]);

            publisher.connect().join();
            List<CompletableFuture<PublishResult>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                results.add(publisher.publish(OutgoingMessage.of(topic, "m" + i, qos)));
            }
            for (CompletableFuture<PublishResult> r : results) {
                assertThat(r.join().reasonCode().isError()).isFalse();
            }

            await().until(() -> received.size() >= 20);
            assertThat(received).extracting(IncomingMessage::payloadAsString)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
            assertThat(received).allSatisfy(m -> {
                assertThat(m.qos()).isEqualTo(qos);
                assertThat(m.topic()).isEqualTo(topic);
            });
        }
    }

    @ParameterizedTest(name = "{0} {1} QoS {2}")
    @MethodSource("cases")
    void retainedMessageReachesALateSubscriberWithTheRetainFlag(String broker, MqttVersion version, int qos) {
        String topic = "retained/" + broker + "/" + version + "/" + qos;
        try (MidgeClient publisher = MidgeClient.builder().port(port(broker)).version(version).build();
             MidgeClient subscriber = MidgeClient.builder().port(port(broker)).version(version).build()) {
            publisher.connect().join();
            publisher.publish(OutgoingMessage.builder(topic).payload("kept").qos(qos).retain(true).build()).join();
            if (qos == 0) {
                // QoS 0 completes when written; a QoS 1 round trip on the same connection orders it at the broker.
                publisher.publish(OutgoingMessage.of(topic + "/sync", "x", 1)).join();
            }

            BlockingClient blocking = subscriber.blocking();
            blocking.connect();
            blocking.subscribe(topic, qos);
            IncomingMessage m = receive(blocking);
            assertThat(m.payloadAsString()).isEqualTo("kept");
            assertThat(m.retain()).isTrue();
            publisher.publish(OutgoingMessage.builder(topic).payload(new byte[0]).qos(1).retain(true).build()).join();
        }
    }

    private static IncomingMessage receive(BlockingClient client) {
        try {
            IncomingMessage m = client.receive(java.time.Duration.ofSeconds(5));
            assertThat(m).as("a message within 5 s").isNotNull();
            return m;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
