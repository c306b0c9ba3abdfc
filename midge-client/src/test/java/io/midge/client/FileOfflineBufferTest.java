package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.midge.client.testing.MosquittoBroker;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.midge.broker.config.ConfigKeys.PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** QoS 1/2 publishes kept in files survive a restart of the client. */
class FileOfflineBufferTest {
    @TempDir
    Path store;

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void publishesMadeWhileTheBrokerIsDownArriveFromTheNextClientOnTheSameStore(MqttVersion version)
            throws IOException {
        int port = MosquittoBroker.freePort();
        try (MidgeClient first = MidgeClient.builder().port(port).version(version)
                .offlineBuffer(OfflineBuffer.inDirectory(store, 100)).build()) {
            first.publish(OutgoingMessage.of("durable/1", "one", 1));
            first.publish(OutgoingMessage.builder("durable/2").payload("two").qos(2).retain(true)
                    .userProperty("k", "v").build());
            first.publish(OutgoingMessage.of("durable/0", "zero is not kept", 0));
        } // the client ends (as its process would) with nothing sent
        assertThat(files()).hasSize(2);

        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(PORT, port));
             MidgeClient subscriber = MidgeClient.builder().port(port).version(version).onMessage(received::add)
                     .build()) {
            subscriber.connect().join();
            subscriber.subscribe("durable/#", 2).join();

            try (MidgeClient second = MidgeClient.builder().port(port).version(version)
                    .offlineBuffer(OfflineBuffer.inDirectory(store, 100)).build()) {
                second.connect().join();
                await().until(() -> received.size() == 2);
                await().until(() -> files().isEmpty());
            }
        }
        assertThat(received).extracting(IncomingMessage::topic, IncomingMessage::payloadAsString, IncomingMessage::qos)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("durable/1", "one", 1),
                        org.assertj.core.groups.Tuple.tuple("durable/2", "two", 2));
        if (version.isV5()) {
            assertThat(received.get(1).userProperties()).extracting(p -> p.name() + "=" + p.value())
                    .containsExactly("k=v");
        }
    }

    @Test
    void aStoredMessageKeepsItsPropertiesAndIsGoneOnceRemoved() throws IOException {
        try (OfflineBuffer buffer = OfflineBuffer.inDirectory(store, 10)) {
            long id = buffer.store(new OutgoingMessage("a/b", new byte[]{1, 2, 3}, 2, true,
                    MqttProperties.builder().set(PropertyId.MESSAGE_EXPIRY_INTERVAL, 60L).build()));
            List<OfflineBuffer.Stored> recovered = OfflineBuffer.inDirectory(store, 10).recover();
            assertThat(recovered).hasSize(1);
            OutgoingMessage m = recovered.get(0).message();
            assertThat(m.topic()).isEqualTo("a/b");
            assertThat(m.payload()).containsExactly(1, 2, 3);
            assertThat(m.qos()).isEqualTo(2);
            assertThat(m.retain()).isTrue();
            assertThat(m.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0)).isEqualTo(60);

            buffer.remove(id);
            assertThat(OfflineBuffer.inDirectory(store, 10).recover()).isEmpty();
        }
    }

    @Test
    void anAcknowledgedPublishLeavesNoFileBehind() throws IOException {
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient client = MidgeClient.builder().port(broker.port())
                     .offlineBuffer(OfflineBuffer.inDirectory(store, 100)).build()) {
            client.connect().join();
            CompletableFuture<PublishResult> one = client.publish(OutgoingMessage.of("x", "1", 1));
            CompletableFuture<PublishResult> two = client.publish(OutgoingMessage.of("x", "2", 2));
            one.join();
            two.join();
            assertThat(files()).isEmpty();
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.toString().endsWith(".msg")).toList();
        }
    }
}
