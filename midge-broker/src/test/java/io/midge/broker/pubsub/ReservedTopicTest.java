package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Topic names that start with {@code $} belong to the broker (§4.7.2: "$SYS/" is for server-specific information;
 * applications cannot use such topics for their own purposes). A client that publishes to one, or names one for its
 * will, is refused: otherwise it could publish, even retain, a fake {@code $SYS/broker/uptime} that every
 * {@code $SYS/#} subscriber takes for the broker's.
 */
class ReservedTopicTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    private static final Duration QUIET = Duration.ofMillis(300);

    @Test
    @DisplayName("§4.7.2 (5.0): PUBLISH to $SYS/... or $share/... is answered 0x87 (PUBACK, PUBREC), dropped at "
            + "QoS 0, never delivered nor retained, and counted")
    void publishesToDollarTopicsAreRefusedIn5() throws Exception {
        try (RawClient watcher = connect(MqttVersion.MQTT_5, "reserved-watch-5");
             RawClient faker = connect(MqttVersion.MQTT_5, "reserved-fake-5")) {
            subscribe(watcher, "$SYS/#");
            faker.send(publish("$SYS/broker/uptime", 1, 1, true, "forever"));
            PubAck ack = faker.receive(PubAck.class);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            // No Reason String: the Paho interoperability client cannot read a PUBACK with properties.
            assertThat(ack.properties().isEmpty()).isTrue();
            faker.send(publish("$share/group/topic", 2, 2, false, "shared?"));
            PubRec rec = faker.receive(PubRec.class);
            assertThat(rec.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            faker.send(publish("$SYS/broker/clients/connected", 0, 0, true, "42"));
            assertThat(watcher.poll(QUIET)).as("nothing reaches $SYS/# subscribers").isNull();
        }
        try (RawClient late = connect(MqttVersion.MQTT_5, "reserved-late-5")) {
            subscribe(late, "$SYS/#");
            assertThat(late.poll(QUIET)).as("nothing was retained").isNull();
        }
        assertThat(broker.broker().metrics().publishesToReservedTopics.sum()).isEqualTo(3);
    }

    @Test
    @DisplayName("§4.7.2 (3.1.1): PUBLISH to $SYS/... is acknowledged as usual (3.1.1 cannot say no) and dropped")
    void publishesToDollarTopicsAreDroppedIn311() throws Exception {
        try (RawClient watcher = connect(MqttVersion.MQTT_3_1_1, "reserved-watch-311");
             RawClient faker = connect(MqttVersion.MQTT_3_1_1, "reserved-fake-311")) {
            subscribe(watcher, "$SYS/#");
            faker.send(publish("$SYS/broker/uptime", 1, 1, true, "forever"));
            assertThat(faker.receive(PubAck.class).packetId()).isEqualTo(1);
            assertThat(watcher.poll(QUIET)).isNull();
            // The connection goes on: an ordinary publish is delivered.
            subscribe(watcher, "plain/topic");
            faker.send(publish("plain/topic", 1, 2, false, "fine"));
            assertThat(faker.receive(PubAck.class).packetId()).isEqualTo(2);
            assertThat(watcher.receive(Publish.class).topic()).isEqualTo("plain/topic");
        }
        assertThat(broker.broker().metrics().publishesToReservedTopics.sum()).isEqualTo(1);
    }

    @ParameterizedTest(name = "§4.7.2 ({0}): a will on $SYS/... refuses the connection with 0x87 (3.1.1: 5)")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_5", "MQTT_3_1_1"})
    void aWillOnADollarTopicIsRefused(MqttVersion version) throws Exception {
        try (RawClient client = new RawClient(broker.port()).version(version)) {
            Will will = new Will("$SYS/broker/alarm", Binary.utf8("gone"), 0, false, MqttProperties.EMPTY);
            client.send(new Connect(version, "reserved-will", true, 0, null, null, will, MqttProperties.EMPTY));
            ConnAck connAck = client.receive(ConnAck.class);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            client.awaitClose();
        }
        assertThat(broker.broker().metrics().publishesToReservedTopics.sum()).isEqualTo(1);
    }

    private RawClient connect(MqttVersion version, String id) throws IOException {
        RawClient client = new RawClient(broker.port());
        client.connect(new Connect(version, id, true, 0, null, null, null, MqttProperties.EMPTY));
        return client;
    }

    private static void subscribe(RawClient client, String filter) throws IOException {
        client.send(new Subscribe(9, List.of(new Subscription(filter, 1)), MqttProperties.EMPTY));
        assertThat(client.receive(SubAck.class).packetId()).isEqualTo(9);
    }

    private static Publish publish(String topic, int qos, int packetId, boolean retain, String text) {
        return new Publish(topic, qos, retain, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }
}
