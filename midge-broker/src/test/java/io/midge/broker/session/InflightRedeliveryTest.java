package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A persistent subscriber that drops its connection in the middle of a QoS 1 or 2 flow gets the unfinished part
 * again when it comes back: PUBLISH with DUP 1 and the same packet identifier, or PUBREL. The subscriber is a
 * RawClient, so that it can withhold its acknowledgements.
 */
class InflightRedeliveryTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    private static Connect persistent(MqttVersion version, String clientId) {
        return version.isV5() ? Clients.connect5(clientId, false, 300, null)
                : Clients.connect311(clientId, false, 0, null);
    }

    /** Connects the raw subscriber with a persistent session, subscribed to the topic at QoS 2. */
    private RawClient subscriber(MqttVersion version, String clientId, String topic) throws Exception {
        RawClient raw = clients.track(new RawClient(broker.port()));
        raw.connect(persistent(version, clientId));
        raw.send(new Subscribe(1, List.of(new Subscription(topic, 2)), MqttProperties.EMPTY));
        raw.receive(SubAck.class);
        return raw;
    }

    /** Reconnects with Clean Start 0; the session must be there. */
    private RawClient reconnect(MqttVersion version, String clientId) throws Exception {
        RawClient raw = clients.track(new RawClient(broker.port()));
        ConnAck ack = raw.connect(persistent(version, clientId));
        assertThat(ack.sessionPresent()).isTrue();
        return raw;
    }

    private static String text(Publish p) {
        return new String(ByteBufUtil.getBytes(p.payload()), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("An unacknowledged QoS 1 PUBLISH is re-sent on reconnect with DUP 1 and its packet identifier "
            + "[MQTT-4.4.0-1] [MQTT-3.3.1-1]")
    void unacknowledgedQos1IsResentWithDup(MqttVersion version) throws Exception {
        String id = "inflight-q1-" + version;
        RawClient first = subscriber(version, id, "inflight/q1");
        IMqttClient pub = clients.publisher(id + "-pub");
        pub.publish("inflight/q1", Clients.utf8("once"), 1, false);
        Publish original = first.receive(Publish.class);
        assertThat(original.dup()).isFalse();
        assertThat(original.qos()).isEqualTo(1);
        first.close(); // no PUBACK

        RawClient second = reconnect(version, id);
        Publish again = second.receive(Publish.class);
        assertThat(again.dup()).isTrue();
        assertThat(again.packetId()).isEqualTo(original.packetId());
        assertThat(again.qos()).isEqualTo(1);
        assertThat(text(again)).isEqualTo("once");

        second.send(new PubAck(again.packetId()));
        Session session = broker.broker().sessions().get(id);
        await().until(() -> session.queue().inflightCount() == 0);
        assertThat(second.poll(QUIET)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A QoS 2 PUBLISH not yet answered with PUBREC is re-sent on reconnect with DUP 1 and its packet "
            + "identifier [MQTT-4.4.0-1] [MQTT-3.3.1-1]")
    void qos2BeforePubRecIsResentWithDup(MqttVersion version) throws Exception {
        String id = "inflight-q2a-" + version;
        RawClient first = subscriber(version, id, "inflight/q2a");
        IMqttClient pub = clients.publisher(id + "-pub");
        pub.publish("inflight/q2a", Clients.utf8("exactly"), 2, false);
        Publish original = first.receive(Publish.class);
        assertThat(original.dup()).isFalse();
        assertThat(original.qos()).isEqualTo(2);
        first.close(); // no PUBREC

        RawClient second = reconnect(version, id);
        Publish again = second.receive(Publish.class);
        assertThat(again.dup()).isTrue();
        assertThat(again.packetId()).isEqualTo(original.packetId());
        assertThat(again.qos()).isEqualTo(2);
        assertThat(text(again)).isEqualTo("exactly");

        second.send(new PubRec(again.packetId()));
        assertThat(second.receive(PubRel.class).packetId()).isEqualTo(original.packetId());
        second.send(new PubComp(again.packetId()));
        Session session = broker.broker().sessions().get(id);
        await().until(() -> session.queue().inflightCount() == 0);
        assertThat(second.poll(QUIET)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("After PUBREC, PUBREL is what is re-sent on reconnect, with the same packet identifier, and no "
            + "PUBLISH [MQTT-4.4.0-1]")
    void qos2AfterPubRecResendsPubRel(MqttVersion version) throws Exception {
        String id = "inflight-q2b-" + version;
        RawClient first = subscriber(version, id, "inflight/q2b");
        IMqttClient pub = clients.publisher(id + "-pub");
        pub.publish("inflight/q2b", Clients.utf8("exactly"), 2, false);
        Publish original = first.receive(Publish.class);
        first.send(new PubRec(original.packetId()));
        assertThat(first.receive(PubRel.class).packetId()).isEqualTo(original.packetId());
        first.close(); // no PUBCOMP

        RawClient second = reconnect(version, id);
        assertThat(second.receive(PubRel.class).packetId()).isEqualTo(original.packetId());
        second.send(new PubComp(original.packetId()));
        Session session = broker.broker().sessions().get(id);
        await().until(() -> session.queue().inflightCount() == 0);
        assertThat(second.poll(QUIET)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("On reconnect the re-sent in-flight messages come first, then what was queued meanwhile, in order "
            + "(§4.6)")
    void resentMessagesComeBeforeQueuedOnes(MqttVersion version) throws Exception {
        String id = "inflight-order-" + version;
        RawClient first = subscriber(version, id, "inflight/order");
        IMqttClient pub = clients.publisher(id + "-pub");
        pub.publish("inflight/order", Clients.utf8("a"), 1, false);
        pub.publish("inflight/order", Clients.utf8("b"), 2, false);
        Publish a = first.receive(Publish.class);
        Publish b = first.receive(Publish.class);
        first.send(new PubRec(b.packetId()));
        assertThat(first.receive(PubRel.class).packetId()).isEqualTo(b.packetId());
        first.close();
        Session session = broker.broker().sessions().get(id);
        await().until(() -> !session.isOnline());
        pub.publish("inflight/order", Clients.utf8("c"), 1, false);

        RawClient second = reconnect(version, id);
        Publish resent = second.receive(Publish.class);
        assertThat(resent.dup()).isTrue();
        assertThat(resent.packetId()).isEqualTo(a.packetId());
        assertThat(text(resent)).isEqualTo("a");
        assertThat(second.receive(PubRel.class).packetId()).isEqualTo(b.packetId());
        Publish queued = second.receive(Publish.class);
        assertThat(queued.dup()).isFalse();
        assertThat(text(queued)).isEqualTo("c");
        assertThat(queued.packetId()).isNotIn(a.packetId(), b.packetId());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("The session keeps a publisher's unreleased QoS 2 packet identifiers: after a reconnect the re-sent "
            + "PUBLISH is acknowledged, not delivered twice, and PUBREL completes it (§4.1, §4.3.3)")
    void inboundQos2StateSurvivesAReconnect(MqttVersion version) throws Exception {
        String id = "inbound-q2-" + version;
        Inbox inbox = clients.subscriber(id + "-sub", "inbound/q2", 2);
        RawClient first = clients.track(new RawClient(broker.port()));
        first.connect(persistent(version, id));
        first.send(new Publish("inbound/q2", 2, false, false, 7, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(Clients.utf8("exactly once"))));
        assertThat(first.receive(PubRec.class).packetId()).isEqualTo(7);
        first.close(); // no PUBREL

        RawClient second = reconnect(version, id);
        second.send(new Publish("inbound/q2", 2, false, true, 7, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(Clients.utf8("exactly once"))));
        assertThat(second.receive(PubRec.class).packetId()).isEqualTo(7);
        second.send(new PubRel(7));
        PubComp comp = second.receive(PubComp.class);
        assertThat(comp.packetId()).isEqualTo(7);
        assertThat(comp.reasonCode()).isEqualTo(ReasonCode.SUCCESS);

        // A later message on the same topic comes after the only copy of the first.
        IMqttClient pub = clients.publisher(id + "-pub");
        pub.publish("inbound/q2", Clients.utf8("marker"), 2, false);
        assertThat(inbox.awaitPayload("marker")).extracting(Inbox.Received::payload)
                .containsExactly("exactly once", "marker");
    }
}
