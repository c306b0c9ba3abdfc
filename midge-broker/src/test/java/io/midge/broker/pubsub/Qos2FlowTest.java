package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The QoS 2 exchange, packet by packet (MQTT 5.0 section 4.3.3): the broker as receiver of a publisher's message
 * and as sender to a subscriber.
 */
class Qos2FlowTest {
    private static final Duration QUIET = Duration.ofMillis(150);

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("As receiver the broker answers PUBLISH with PUBREC and PUBREL with PUBCOMP, same packet id "
            + "(MQTT-4.3.3-8, MQTT-4.3.3-11)")
    void brokerAsReceiverSendsPubrecThenPubcomp(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "recv-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/recv", 2));
        RawClient publisher = clients.raw(version, "recv-pub");

        publisher.send(publish("q2/recv", 2, false, 300, "exactly once"));
        PubRec pubRec = publisher.receive(PubRec.class);
        assertThat(pubRec.packetId()).isEqualTo(300);
        assertThat(pubRec.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(publisher.poll(QUIET)).as("nothing before PUBREL").isNull();

        publisher.send(new PubRel(300));
        PubComp pubComp = publisher.receive(PubComp.class);
        assertThat(pubComp.packetId()).isEqualTo(300);
        assertThat(pubComp.reasonCode()).isEqualTo(ReasonCode.SUCCESS);

        Publish delivered = subscriber.receive(Publish.class);
        assertThat(delivered.qos()).isEqualTo(2);
        assertThat(payload(delivered)).isEqualTo("exactly once");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("As sender the broker sends PUBLISH QoS 2, waits for PUBREC, sends PUBREL, waits for PUBCOMP "
            + "(MQTT-4.3.3-1 to MQTT-4.3.3-6)")
    void brokerAsSenderSendsPublishThenPubrel(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "send-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/send", 2));
        RawClient publisher = clients.raw(version, "send-pub");
        publisher.send(publish("q2/send", 2, false, 1, "first"));
        publisher.receive(PubRec.class);
        publisher.send(new PubRel(1));
        publisher.receive(PubComp.class);

        Publish first = subscriber.receive(Publish.class);
        assertThat(first.qos()).isEqualTo(2);
        assertThat(first.dup()).as("DUP 0 on the first attempt (MQTT-4.3.3-2)").isFalse();
        assertThat(first.packetId()).isNotZero();
        assertThat(subscriber.poll(QUIET)).as("no PUBREL before PUBREC").isNull();

        subscriber.send(new PubRec(first.packetId()));
        PubRel pubRel = subscriber.receive(PubRel.class);
        assertThat(pubRel.packetId()).isEqualTo(first.packetId());
        assertThat(pubRel.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(subscriber.poll(QUIET)).as("no PUBLISH re-sent after PUBREL (MQTT-4.3.3-6)").isNull();
        subscriber.send(new PubComp(first.packetId()));

        // The flow is complete: the next message arrives, and nothing of the first one is repeated.
        publisher.send(publish("q2/send", 2, false, 2, "second"));
        publisher.receive(PubRec.class);
        Publish second = subscriber.receive(Publish.class);
        assertThat(payload(second)).isEqualTo("second");
        assertThat(second.dup()).isFalse();
        subscriber.send(new PubRec(second.packetId()));
        assertThat(subscriber.receive(PubRel.class).packetId()).isEqualTo(second.packetId());
        subscriber.send(new PubComp(second.packetId()));
        assertThat(subscriber.poll(QUIET)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A QoS 2 PUBLISH re-sent with DUP before PUBREL is acknowledged again and not delivered twice; "
            + "after PUBCOMP the id starts a new message (MQTT-4.3.3-10, MQTT-4.3.3-12)")
    void resentQos2PublishIsNotDeliveredTwice(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "dup-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/dup", 2));
        RawClient publisher = clients.raw(version, "dup-pub");

        publisher.send(publish("q2/dup", 2, false, 7, "once"));
        assertThat(publisher.receive(PubRec.class).packetId()).isEqualTo(7);
        publisher.send(publish("q2/dup", 2, true, 7, "once"));
        assertThat(publisher.receive(PubRec.class).packetId()).isEqualTo(7);
        // Even without DUP (a confused client), the same id before PUBREL is the same message.
        publisher.send(publish("q2/dup", 2, false, 7, "once"));
        assertThat(publisher.receive(PubRec.class).packetId()).isEqualTo(7);

        Publish delivered = subscriber.receive(Publish.class);
        assertThat(payload(delivered)).isEqualTo("once");
        subscriber.send(new PubRec(delivered.packetId()));
        subscriber.receive(PubRel.class);
        subscriber.send(new PubComp(delivered.packetId()));
        assertThat(subscriber.poll(QUIET)).as("delivered once only").isNull();

        publisher.send(new PubRel(7));
        assertThat(publisher.receive(PubComp.class).packetId()).isEqualTo(7);
        publisher.send(publish("q2/dup", 2, false, 7, "again"));
        assertThat(publisher.receive(PubRec.class).packetId()).isEqualTo(7);
        Publish next = subscriber.receive(Publish.class);
        assertThat(payload(next)).isEqualTo("again");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A QoS 2 PUBLISH re-sent with DUP after reconnecting to the session is not delivered twice "
            + "(MQTT-4.3.3-10, MQTT-4.4.0-1)")
    void resentQos2PublishAfterReconnectIsNotDeliveredTwice(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "resume-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/resume", 2));
        MqttProperties keep = version.isV5()
                ? MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build() : MqttProperties.EMPTY;
        Connect resume = new Connect(version, "resume-pub", false, 0, null, null, null, keep);

        RawClient first = clients.raw();
        first.connect(resume);
        first.send(publish("q2/resume", 2, false, 42, "survives"));
        first.receive(PubRec.class);
        first.close(); // lost before PUBREL

        RawClient second = clients.raw();
        assertThat(second.connect(resume).sessionPresent()).isTrue();
        second.send(publish("q2/resume", 2, true, 42, "survives"));
        assertThat(second.receive(PubRec.class).packetId()).isEqualTo(42);
        second.send(new PubRel(42));
        assertThat(second.receive(PubComp.class).packetId()).isEqualTo(42);

        Publish delivered = subscriber.receive(Publish.class);
        assertThat(payload(delivered)).isEqualTo("survives");
        subscriber.send(new PubRec(delivered.packetId()));
        subscriber.receive(PubRel.class);
        subscriber.send(new PubComp(delivered.packetId()));
        assertThat(subscriber.poll(QUIET)).as("delivered once only").isNull();
    }

    @Test
    @DisplayName("5.0: a PUBREC with an error code ends the flow: no PUBREL, and the next message flows "
            + "(MQTT-4.3.3-4, §4.3.3)")
    void pubrecWithAnErrorCodeEndsTheFlow() throws Exception {
        RawClient subscriber = clients.raw(MqttVersion.MQTT_5, "refuse-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/refuse", 2));
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "refuse-pub");
        publisher.send(publish("q2/refuse", 1, false, 1, "refused"));
        publisher.receive(PubAck.class);
        Publish refused = subscriber.receive(Publish.class);
        assertThat(refused.qos()).isEqualTo(1);

        publisher.send(publish("q2/refuse", 2, false, 2, "refused too"));
        publisher.receive(PubRec.class);
        Publish first = subscriber.receive(Publish.class);
        subscriber.send(new PubAck(refused.packetId()));
        subscriber.send(new PubRec(first.packetId(), ReasonCode.UNSPECIFIED_ERROR, MqttProperties.EMPTY));
        assertThat(subscriber.poll(QUIET)).as("no PUBREL after an error PUBREC").isNull();

        publisher.send(new PubRel(2));
        publisher.receive(PubComp.class);
        publisher.send(publish("q2/refuse", 2, false, 3, "accepted"));
        publisher.receive(PubRec.class);
        Publish next = subscriber.receive(Publish.class);
        assertThat(payload(next)).isEqualTo("accepted");
        assertThat(next.dup()).isFalse();
        subscriber.send(new PubRec(next.packetId()));
        assertThat(subscriber.receive(PubRel.class).packetId()).isEqualTo(next.packetId());
        subscriber.send(new PubComp(next.packetId()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A QoS 2 delivery started before UNSUBSCRIBE is completed after it (MQTT-3.10.4-3)")
    void deliveryInFlightCompletesAfterUnsubscribe(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "unsub-flight-sub");
        Clients.subscribe(subscriber, 1, new Subscription("q2/flight", 2));
        RawClient publisher = clients.raw(version, "unsub-flight-pub");
        publisher.send(publish("q2/flight", 2, false, 1, "in flight"));
        publisher.receive(PubRec.class);
        Publish delivered = subscriber.receive(Publish.class);

        subscriber.send(new Unsubscribe(2, List.of("q2/flight"), MqttProperties.EMPTY));
        assertThat(subscriber.receive(UnsubAck.class).packetId()).isEqualTo(2);
        subscriber.send(new PubRec(delivered.packetId()));
        assertThat(subscriber.receive(PubRel.class).packetId()).isEqualTo(delivered.packetId());
        subscriber.send(new PubComp(delivered.packetId()));

        publisher.send(new PubRel(1));
        publisher.receive(PubComp.class);
        publisher.send(publish("q2/flight", 2, false, 2, "after"));
        publisher.receive(PubRec.class);
        assertThat(subscriber.poll(QUIET)).as("nothing new after UNSUBSCRIBE").isNull();
    }

    @Test
    @DisplayName("5.0: PUBREL for an unknown packet id is answered PUBCOMP 0x92 Packet Identifier not found")
    void pubrelForUnknownIdIsAnsweredWithPacketIdentifierNotFound() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_5, "unknown-rel");
        client.send(new PubRel(99));
        PubComp pubComp = client.receive(PubComp.class);
        assertThat(pubComp.packetId()).isEqualTo(99);
        assertThat(pubComp.reasonCode()).isEqualTo(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    }

    @Test
    @DisplayName("3.1.1: PUBREL for an unknown packet id is still answered PUBCOMP (MQTT-4.3.3-11)")
    void pubrelForUnknownIdIsAnsweredIn311() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_3_1_1, "unknown-rel-3");
        client.send(new PubRel(99));
        assertThat(client.receive(PubComp.class).packetId()).isEqualTo(99);
    }

    static Publish publish(String topic, int qos, boolean dup, int packetId, String payload) {
        return new Publish(topic, qos, false, dup, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(Clients.utf8(payload)));
    }

    static String payload(Publish publish) {
        return Clients.text(ByteBufUtil.getBytes(publish.payload()));
    }
}
