package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_INFLIGHT;
import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-client limits on messages in flight: max-inflight towards a client (whatever its own Receive Maximum),
 * receive-maximum from it, max-packet-size; the refusals counted. (Queued messages: session/QueueBoundsTest.)
 */
class InflightLimitTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_INFLIGHT, 2).set(RECEIVE_MAXIMUM, 2)
            .set(MAX_PACKET_SIZE, 256));

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
    }

    private RawClient connected(MqttVersion version, String clientId, MqttProperties props) throws Exception {
        RawClient c = new RawClient(broker.port());
        clients.add(c);
        c.connect(new Connect(version, clientId, true, 0, null, null, null, props));
        return c;
    }

    private void publishQos1(String topic, int count) throws Exception {
        RawClient pub = connected(MqttVersion.MQTT_3_1_1, topic.replace('/', '-') + "-pub", MqttProperties.EMPTY);
        for (int i = 1; i <= count; i++) {
            pub.send(TestPackets.publish(topic, 1, i, new byte[] {(byte) i}));
            pub.receive(PubAck.class);
        }
    }

    private void assertInflightIsCappedAtTwo(RawClient sub, String topic) throws Exception {
        sub.send(new Subscribe(1, List.of(new Subscription(topic, 1)), MqttProperties.EMPTY));
        sub.receive(SubAck.class);
        publishQos1(topic, 4);
        Publish first = sub.receive(Publish.class);
        Publish second = sub.receive(Publish.class);
        assertThat(sub.poll(RawClient.QUIET)).as("a third publish while two are unacknowledged").isNull();
        sub.send(new PubAck(first.packetId()));
        assertThat(sub.receive(Publish.class).payload().getByte(0)).isEqualTo((byte) 3);
        assertThat(sub.poll(RawClient.QUIET)).isNull();
        sub.send(new PubAck(second.packetId()));
        assertThat(sub.receive(Publish.class).payload().getByte(0)).isEqualTo((byte) 4);
    }

    @Test
    @DisplayName("max-inflight 2: a 3.1.1 subscriber has at most two unacknowledged QoS 1 publishes; the rest wait")
    void maxInflightBoundsAThreeOneOneClient() throws Exception {
        RawClient sub = connected(MqttVersion.MQTT_3_1_1, "if-1-sub", MqttProperties.EMPTY);
        assertInflightIsCappedAtTwo(sub, "if/1");
    }

    @Test
    @DisplayName("max-inflight 2 applies to a 5.0 client that would take more (Receive Maximum 100)")
    void maxInflightBoundsAClientWithALargerReceiveMaximum() throws Exception {
        RawClient sub = connected(MqttVersion.MQTT_5, "if-2-sub",
                MqttProperties.builder().set(PropertyId.RECEIVE_MAXIMUM, 100L).build());
        assertInflightIsCappedAtTwo(sub, "if/2");
    }

    @Test
    @DisplayName("receive-maximum 2: the third unacknowledged QoS 2 publish gets DISCONNECT 0x93, counted")
    void beyondTheReceiveMaximumIsRefusedAndCounted() throws Exception {
        RawClient pub = connected(MqttVersion.MQTT_5, "if-3-pub", MqttProperties.EMPTY);
        for (int id = 1; id <= 2; id++) {
            pub.send(TestPackets.publish("if/3", 2, id, new byte[] {1}));
            pub.receive(PubRec.class);
        }
        pub.send(TestPackets.publish("if/3", 2, 3, new byte[] {1}));
        List<MqttPacket> last = pub.awaitClose();
        assertThat(last).singleElement().isInstanceOfSatisfying(Disconnect.class,
                d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED));
        assertThat(broker.broker().metrics().refusedReceiveMaximum.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("max-packet-size: a larger packet gets DISCONNECT 0x95, counted as such and not as a protocol "
            + "violation")
    void aPacketTooLargeIsRefusedAndCounted() throws Exception {
        RawClient pub = connected(MqttVersion.MQTT_5, "if-4-pub", MqttProperties.EMPTY);
        pub.send(TestPackets.publish("if/4", 0, 0, new byte[300]));
        List<MqttPacket> last = pub.awaitClose();
        assertThat(last).singleElement().isInstanceOfSatisfying(Disconnect.class,
                d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.PACKET_TOO_LARGE));
        assertThat(broker.broker().metrics().refusedPacketTooLarge.sum()).isEqualTo(1);
        assertThat(broker.broker().metrics().protocolViolations.sum()).isZero();
    }
}
