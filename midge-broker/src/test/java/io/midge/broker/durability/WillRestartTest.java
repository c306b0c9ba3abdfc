package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A will waiting for its Will Delay Interval survives a restart of the broker. */
class WillRestartTest {
    @TempDir
    static Path temp;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension().durable(temp.resolve("store-" + System.nanoTime()));

    private static Connect subscriberConnect() {
        return new Connect(MqttVersion.MQTT_3_1_1, "will-restart-sub", false, 0, null, null, null,
                MqttProperties.EMPTY);
    }

    @Test
    @DisplayName("A delayed will of a persistent session is published after a restart, once its delay passed, and "
            + "only then [MQTT-3.1.3-9]")
    void aDelayedWillSurvivesARestart() throws Exception {
        try (RawClient sub = new RawClient(broker.port())) {
            sub.connect(subscriberConnect());
            sub.send(new Subscribe(1, List.of(new Subscription("will/restart", 1, false, false, 0)),
                    MqttProperties.EMPTY));
            sub.receive(SubAck.class);
        }
        MqttProperties delay = MqttProperties.builder().add(PropertyId.WILL_DELAY_INTERVAL, 1L).build();
        MqttProperties expiry = MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build();
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).connect(new Connect(MqttVersion.MQTT_5, "will-restart", true, 0, null,
                    null, new Will("will/restart", Binary.utf8("gone"), 1, false, delay), expiry));
        } // closed without DISCONNECT: the will waits for its delay
        await().until(() -> !broker.broker().sessions().get("will-restart").isOnline());
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(subscriberConnect()).sessionPresent()).isTrue();
            Publish will = sub.receive(Publish.class);
            try {
                assertThat(will.topic()).isEqualTo("will/restart");
                assertThat(will.payload().toString(StandardCharsets.UTF_8)).isEqualTo("gone");
            } finally {
                will.release();
            }
            assertThat(sub.poll(Duration.ofMillis(200))).as("published once").isNull();
        }
    }

    @Test
    @DisplayName("A will published to an offline persistent subscriber is queued durably: it reaches the "
            + "subscriber after a restart")
    void aWillQueuedForAnOfflineSubscriberSurvivesARestart() throws Exception {
        try (RawClient sub = new RawClient(broker.port())) {
            sub.connect(subscriberConnect());
            sub.send(new Subscribe(1, List.of(new Subscription("will/queued", 1, false, false, 0)),
                    MqttProperties.EMPTY));
            sub.receive(SubAck.class);
        }
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(new Connect(MqttVersion.MQTT_3_1_1, "will-queued", true, 0, null, null,
                    new Will("will/queued", Binary.utf8("queued"), 1, false, MqttProperties.EMPTY),
                    MqttProperties.EMPTY));
        } // closed without DISCONNECT: the will goes out now
        await().until(() -> broker.broker().metrics().willsPublished.sum() == 1
                && broker.broker().sessions().get("will-restart-sub").queue().pendingMessages() == 1);
        broker.restart();
        try (RawClient sub = new RawClient(broker.port())) {
            assertThat(sub.connect(subscriberConnect()).sessionPresent()).isTrue();
            Publish will = sub.receive(Publish.class);
            try {
                assertThat(will.topic()).isEqualTo("will/queued");
                assertThat(will.payload().toString(StandardCharsets.UTF_8)).isEqualTo("queued");
            } finally {
                will.release();
            }
        }
    }
}
