package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Packet identifiers belong to a session (MQTT 5.0 section 2.2.1): the broker numbers each subscriber's messages in
 * its own space, and keeps each publisher's QoS 2 identifiers apart from every other publisher's.
 */
class PacketIdentifierTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @Test
    @DisplayName("Each subscriber's session has its own packet ids: unused within the session, independent of "
            + "other sessions (§2.2.1, MQTT-2.2.1-4)")
    void eachSubscriberGetsItsOwnPacketIds() throws Exception {
        RawClient alice = clients.raw(MqttVersion.MQTT_5, "ids-alice");
        Clients.subscribe(alice, 1, new Subscription("ids/#", 1));
        RawClient publisher = clients.raw(MqttVersion.MQTT_3_1_1, "ids-pub");
        for (int i = 1; i <= 3; i++) {
            publisher.send(QosLevelsTest.publish("ids/early", 1, i));
            publisher.receive(PubAck.class);
        }
        // Alice acknowledges nothing: her three ids stay in use.
        List<Integer> aliceIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            aliceIds.add(alice.receive(Publish.class).packetId());
        }
        assertThat(new HashSet<>(aliceIds)).as("distinct while unacknowledged").hasSize(3);

        RawClient bob = clients.raw(MqttVersion.MQTT_3_1_1, "ids-bob");
        Clients.subscribe(bob, 1, new Subscription("ids/#", 1));
        publisher.send(QosLevelsTest.publish("ids/late", 1, 4));
        publisher.receive(PubAck.class);

        int aliceNext = alice.receive(Publish.class).packetId();
        int bobFirst = bob.receive(Publish.class).packetId();
        assertThat(aliceIds).as("alice's next id is unused in her session").doesNotContain(aliceNext);
        // Bob's numbering starts on its own, where Alice's did, although she still has that id in flight.
        assertThat(bobFirst).isEqualTo(aliceIds.get(0));

        for (int id : aliceIds) {
            alice.send(new PubAck(id));
        }
        alice.send(new PubAck(aliceNext));
        bob.send(new PubAck(bobFirst));
        assertThat(alice.poll(Duration.ofMillis(100))).as("nothing re-sent to alice").isNull();
        assertThat(bob.poll(Duration.ofMillis(1))).isNull();
    }

    @Test
    @DisplayName("Two publishers may use the same QoS 2 packet id at the same time: both messages are delivered "
            + "(§2.2.1, MQTT-4.3.3-10 applies per session)")
    void twoPublishersMayUseTheSamePacketId() throws Exception {
        RawClient subscriber = clients.raw(MqttVersion.MQTT_3_1_1, "same-id-sub");
        Clients.subscribe(subscriber, 1, new Subscription("same-id/+", 2));
        RawClient one = clients.raw(MqttVersion.MQTT_3_1_1, "same-id-one");
        RawClient two = clients.raw(MqttVersion.MQTT_5, "same-id-two");

        one.send(Qos2FlowTest.publish("same-id/one", 2, false, 1, "from one"));
        assertThat(one.receive(PubRec.class).packetId()).isEqualTo(1);
        two.send(Qos2FlowTest.publish("same-id/two", 2, false, 1, "from two"));
        assertThat(two.receive(PubRec.class).packetId()).isEqualTo(1);
        one.send(new PubRel(1));
        two.send(new PubRel(1));
        assertThat(one.receive(PubComp.class).packetId()).isEqualTo(1);
        assertThat(two.receive(PubComp.class).packetId()).isEqualTo(1);

        // The subscriber's side of both flows, in whatever order the broker interleaves them.
        List<String> payloads = new ArrayList<>();
        int released = 0;
        while (payloads.size() < 2 || released < 2) {
            MqttPacket packet = subscriber.receive();
            if (packet instanceof Publish p) {
                payloads.add(Qos2FlowTest.payload(p));
                subscriber.send(new PubRec(p.packetId()));
            } else if (packet instanceof PubRel r) {
                released++;
                subscriber.send(new PubComp(r.packetId()));
            } else {
                throw new AssertionError("unexpected " + packet);
            }
        }
        assertThat(payloads).containsExactlyInAnyOrder("from one", "from two");
        assertThat(subscriber.poll(Duration.ofMillis(100))).isNull();
    }
}
