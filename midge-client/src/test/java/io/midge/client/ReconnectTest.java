package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.midge.codec.protocol.MqttVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.midge.client.testing.Failures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Reconnect after the broker restarts, resubscription on the new session, and publishes made meanwhile. */
class ReconnectTest {
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(20), Duration.ofMillis(200));

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void afterABrokerRestartTheClientReconnectsResubscribesAndSendsWhatWasPublishedMeanwhile(MqttVersion version) {
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        AtomicInteger connections = new AtomicInteger();
        AtomicInteger losses = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).version(version).reconnect(FAST)
                     .onMessage(received::add).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).version(version).reconnect(FAST)
                     .build()) {
            subscriber.addConnectionListener(new ConnectionListener() {
                @Override
                public void connected(ConnectResult result) {
                    connections.incrementAndGet();
                }
            });
            publisher.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            subscriber.connect().join();
            subscriber.subscribe("restart/#", 1).join();
            publisher.connect().join();

            broker.stop();
            await().until(() -> losses.get() == 1 && !subscriber.isConnected());
            List<CompletableFuture<PublishResult>> meanwhile = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                meanwhile.add(publisher.publish(OutgoingMessage.of("restart/offline", "o" + i, 1)));
            }
            assertThat(meanwhile).noneMatch(CompletableFuture::isDone);

            broker.startAgain();
            // The broker remembers nothing (in memory): the subscriber's subscription is back only by resubscribing.
            await().until(() -> connections.get() == 2);
            await().until(() -> publisher.isConnected());
            meanwhile.forEach(CompletableFuture::join);
            publisher.publish(OutgoingMessage.of("restart/after", "a", 1)).join();

            await().until(() -> received.stream().anyMatch(m -> m.topic().equals("restart/after")));
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void publishesMadeBeforeTheFirstConnectionAreSentOnceConnected(MqttVersion version) {
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).version(version)
                     .onMessage(received::add).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).version(version).build()) {
            subscriber.connect().join();
            subscriber.subscribe("early/#", 2).join();

            List<CompletableFuture<PublishResult>> early = new ArrayList<>();
            for (int qos = 0; qos <= 2; qos++) {
                early.add(publisher.publish(OutgoingMessage.of("early/" + qos, "e" + qos, qos)));
            }
            publisher.connect().join();
            early.forEach(CompletableFuture::join);

            await().until(() -> received.size() == 3);
            assertThat(received).extracting(IncomingMessage::topic).containsExactly("early/0", "early/1", "early/2");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void aFullOfflineBufferRefusesTheNextPublishAtOnce(MqttVersion version) {
        try (MidgeClient client = MidgeClient.builder().port(MosquittoPorts.unused()).version(version)
                .offlineBuffer(OfflineBuffer.inMemory(3)).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.publish(OutgoingMessage.of("full/" + i, "x", 1))).isNotDone();
            }
            CompletableFuture<PublishResult> fourth = client.publish(OutgoingMessage.of("full/3", "x", 1));
            assertThat(fourth).isCompletedExceptionally();
            assertThat(failureOf(fourth).kind()).isEqualTo(MqttClientException.Kind.BUFFER_FULL);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void withoutReconnectAnUnreachableBrokerFailsConnectAndTheWaitingPublishes(MqttVersion version) {
        try (MidgeClient client = MidgeClient.builder().port(MosquittoPorts.unused()).version(version)
                .reconnect(ReconnectPolicy.none()).build()) {
            CompletableFuture<PublishResult> waiting = client.publish(OutgoingMessage.of("t", "x", 1));
            CompletableFuture<ConnectResult> connect = client.connect();
            MqttClientException failure = failureOf(connect);
            assertThat(failure.kind()).isEqualTo(MqttClientException.Kind.UNREACHABLE);
            assertThat(failureOf(waiting)).isSameAs(failure);
        }
    }

    /** A port nothing listens on. */
    static final class MosquittoPorts {
        static int unused() {
            return io.midge.client.testing.MosquittoBroker.freePort();
        }
    }
}
