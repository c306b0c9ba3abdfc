package io.midge.client;

import io.midge.client.testing.CuttableProxy;
import io.midge.client.testing.MidgeBroker;
import io.midge.codec.protocol.MqttVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A connection cut by the network while the broker keeps the session: the client resumes it. */
class SessionResumptionTest {
    private static final ReconnectPolicy FAST = ReconnectPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(100));

    private static MidgeClient.Builder persistent(int port, MqttVersion version, String id) {
        MidgeClient.Builder b = MidgeClient.builder().port(port).version(version).clientId(id).reconnect(FAST);
        return version.isV5() ? b.sessionExpiryInterval(600) : b.cleanStart(false);
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void messagesQueuedForTheSessionWhileCutOffArriveAfterTheResumption(MqttVersion version) {
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start();
             CuttableProxy proxy = new CuttableProxy(broker.port());
             MidgeClient subscriber = persistent(proxy.port(), version, "resumer-" + version)
                     .onMessage(received::add).resubscribe(false).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).version(version).build()) {
            subscriber.addConnectionListener(new ConnectionListener() {
                @Override
                public void connected(ConnectResult result) {
                    sessionPresent.add(result.sessionPresent());
                }
            });
            subscriber.connect().join();
            subscriber.subscribe("resume/#", 1).join();
            publisher.connect().join();

            proxy.cut();
            await().until(() -> sessionPresent.size() == 2);
            publisher.publish(OutgoingMessage.of("resume/a", "after", 1)).join();

            await().until(() -> received.size() == 1);
            // Without resubscribing, only the resumed session can have delivered it.
            assertThat(sessionPresent).containsExactly(false, true);
            assertThat(received.get(0).payloadAsString()).isEqualTo("after");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void publishesInFlightWhenTheConnectionIsCutAreAllCompletedAndDelivered(MqttVersion version) {
        Set<String> received = ConcurrentHashMap.newKeySet();
        try (MidgeBroker broker = MidgeBroker.start();
             CuttableProxy proxy = new CuttableProxy(broker.port());
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).version(version)
                     .onMessage(m -> received.add(m.payloadAsString())).build();
             MidgeClient publisher = persistent(proxy.port(), version, "cut-publisher-" + version).build()) {
            subscriber.connect().join();
            subscriber.subscribe("inflight/#", 2).join();
            publisher.connect().join();

            List<CompletableFuture<PublishResult>> sent = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                sent.add(publisher.publish(OutgoingMessage.of("inflight/" + (i % 3), "m" + i, 1 + i % 2)));
                if (i == 1000) {
                    proxy.cut();
                }
            }
            sent.forEach(CompletableFuture::join);
            await().until(() -> received.size() == 2000);
            assertThat(received).isEqualTo(IntStream.range(0, 2000).mapToObj(i -> "m" + i).collect(Collectors.toSet()));
        }
    }
}
