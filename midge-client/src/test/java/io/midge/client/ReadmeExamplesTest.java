package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.midge.codec.protocol.ReasonCode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static io.midge.client.testing.Failures.failureOf;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's examples, as written there (with the test broker's port), and a publish the broker refuses. */
class ReadmeExamplesTest {

    @Test
    void theAsynchronousExampleDeliversTheMessageToItself() {
        List<String> printed = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start()) {
            try (MidgeClient client = MidgeClient.builder()
                    .host("127.0.0.1").port(broker.port())
                    .clientId("monitor-3")
                    .onMessage(m -> printed.add(m.topic() + " " + m.payloadAsString()))
                    .build()) {
                client.connect().join();
                client.subscribe("ward3/+/heartrate", 1).join();
                client.publish(OutgoingMessage.builder("ward3/bed12/heartrate")
                                .payload("72").qos(1).messageExpiryInterval(60).userProperty("unit", "bpm").build())
                        .join();
                await().until(() -> !printed.isEmpty());
            }
        }
        assertThat(printed).containsExactly("ward3/bed12/heartrate 72");
    }

    @Test
    void theBlockingExampleReceivesItsOwnGreeting() throws InterruptedException {
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient client = MidgeClient.builder().port(broker.port()).build()) {
            BlockingClient blocking = client.blocking();
            blocking.connect();
            blocking.subscribe("greetings/#", 1);
            blocking.publish("greetings/world", "hello", 1);
            IncomingMessage m = blocking.receive(Duration.ofSeconds(5));
            assertThat(m).isNotNull();
            assertThat(m.payloadAsString()).isEqualTo("hello");
        }
    }

    @Test
    void aPublishTheBrokerRefusesFailsWithItsReasonCode() {
        // Midge answers 0x97 Quota exceeded when a message reaches no queue: here the only subscriber is offline
        // and its queue (one message) is full.
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(MAX_QUEUED_MESSAGES, 1));
             MidgeClient offline = MidgeClient.builder().port(broker.port()).clientId("offline-subscriber")
                     .sessionExpiryInterval(3600).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).build()) {
            offline.connect().join();
            offline.subscribe("quota/t", 1).join();
            offline.disconnect().join();
            publisher.connect().join();

            assertThat(publisher.publish(OutgoingMessage.of("quota/t", "fits", 1)).join().reasonCode())
                    .isEqualTo(ReasonCode.SUCCESS);
            CompletableFuture<PublishResult> refused = publisher.publish(OutgoingMessage.of("quota/t", "full", 1));
            MqttClientException failure = failureOf(refused);
            assertThat(failure.kind()).isEqualTo(MqttClientException.Kind.PUBLISH_REFUSED);
            assertThat(failure.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
            assertThat(publisher.isConnected()).isTrue();
        }
    }
}
