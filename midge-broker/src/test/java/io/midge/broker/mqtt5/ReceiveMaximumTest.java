package io.midge.broker.mqtt5;

import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Receive Maximum (MQTT 5.0 section 4.9): flow control of QoS 1 and 2 publishes in both directions. */
class ReceiveMaximumTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(RECEIVE_MAXIMUM, 2));

    private RawClient slowSubscriber(String clientId, String filter, int qos, int receiveMaximum) throws Exception {
        RawClient sub = RawV5.connect(broker.port(), clientId, true,
                props(PropertyId.RECEIVE_MAXIMUM, receiveMaximum));
        RawV5.subscribe(sub, filter, qos);
        return sub;
    }

    private void publishAll(String clientId, String topic, int qos, int count) throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), clientId)) {
            for (int i = 1; i <= count; i++) {
                pub.send(publish(topic, qos, i, MqttProperties.EMPTY, "m" + i));
                if (qos == 1) {
                    assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                } else {
                    assertThat(pub.receive(PubRec.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                    pub.send(new PubRel(i));
                    pub.receive(PubComp.class);
                }
            }
            RawV5.disconnect(pub);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-9: no more unacknowledged QoS 1 publishes towards a client than its Receive Maximum")
    void theBrokerRespectsTheClientsReceiveMaximumAtQos1() throws Exception {
        try (RawClient sub = slowSubscriber("rm-sub-1", "rm/1/#", 1, 2)) {
            publishAll("rm-pub-1", "rm/1/a", 1, 3);

            List<Publish> first = new ArrayList<>(List.of(sub.receive(Publish.class), sub.receive(Publish.class)));
            assertThat(first).extracting(RawV5::text).containsExactly("m1", "m2");
            assertThat(sub.poll(RawClient.QUIET)).as("a third publish before any PUBACK").isNull();

            sub.send(new PubAck(first.get(0).packetId()));
            Publish third = sub.receive(Publish.class);
            assertThat(text(third)).isEqualTo("m3");
            assertThat(sub.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-9: at QoS 2 a delivery counts until PUBCOMP, not PUBREC")
    void theQuotaIsReturnedOnPubCompAtQos2() throws Exception {
        try (RawClient sub = slowSubscriber("rm-sub-2", "rm/2/#", 2, 1)) {
            publishAll("rm-pub-2", "rm/2/a", 2, 2);

            Publish first = sub.receive(Publish.class);
            assertThat(text(first)).isEqualTo("m1");
            sub.send(new PubRec(first.packetId()));
            assertThat(sub.receive(PubRel.class).packetId()).isEqualTo(first.packetId());
            assertThat(sub.poll(RawClient.QUIET)).as("a second publish before PUBCOMP").isNull();

            sub.send(new PubComp(first.packetId()));
            assertThat(text(sub.receive(Publish.class))).isEqualTo("m2");
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-9: a resumed session re-sends its unacknowledged publishes only up to the new "
            + "Receive Maximum; the rest follow, in order, as acknowledgements make room")
    void resendingOnResumeRespectsTheNewReceiveMaximum() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "rm-sub-9", true,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60, PropertyId.RECEIVE_MAXIMUM, 3))) {
            RawV5.subscribe(sub, "rm/9", 1);
            publishAll("rm-pub-9", "rm/9", 1, 3);
            for (int i = 0; i < 3; i++) {
                sub.receive(Publish.class); // and never acknowledged
            }
            RawV5.disconnect(sub);
        }
        try (RawClient sub = RawV5.connect(broker.port(), "rm-sub-9", false,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60, PropertyId.RECEIVE_MAXIMUM, 1))) {
            for (String expected : List.of("m1", "m2", "m3")) {
                Publish again = sub.receive(Publish.class);
                assertThat(again.dup()).isTrue();
                assertThat(text(again)).isEqualTo(expected);
                assertThat(sub.poll(RawClient.QUIET)).as("a second publish in flight after %s", expected).isNull();
                sub.send(new PubAck(again.packetId()));
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-10: a full quota delays no packet other than PUBLISH (PINGRESP still comes)")
    void aFullQuotaDelaysNothingElse() throws Exception {
        try (RawClient sub = slowSubscriber("rm-sub-3", "rm/3/#", 1, 1)) {
            publishAll("rm-pub-3", "rm/3/a", 1, 2);
            sub.receive(Publish.class);
            sub.send(PingReq.INSTANCE);
            assertThat(sub.receive()).isInstanceOf(PingResp.class);
        }
    }

    @Test
    @DisplayName("§3.2.2.3.3: the CONNACK tells the broker's Receive Maximum")
    void theConnAckTellsTheBrokersReceiveMaximum() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = client.connect(RawV5.connectPacket("rm-client-4", true, MqttProperties.EMPTY));
            assertThat(connAck.properties().number(PropertyId.RECEIVE_MAXIMUM, 65535)).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-7: a client with more unreleased QoS 2 publishes than the broker's Receive Maximum "
            + "gets DISCONNECT 0x93")
    void aClientExceedingTheBrokersReceiveMaximumIsDisconnected() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rm-pub-5")) {
            for (int id = 1; id <= 2; id++) {
                pub.send(publish("rm/5", 2, id, MqttProperties.EMPTY, "unreleased"));
                assertThat(pub.receive(PubRec.class).packetId()).isEqualTo(id);
            }
            pub.send(publish("rm/5", 2, 3, MqttProperties.EMPTY, "one too many"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
        }
    }

    @Test
    @DisplayName("§4.9: a PUBREL returns quota to the client: a released QoS 2 publish frees a place")
    void aReleasedPublishFreesAPlace() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rm-pub-6")) {
            for (int id = 1; id <= 2; id++) {
                pub.send(publish("rm/6", 2, id, MqttProperties.EMPTY, "unreleased"));
                pub.receive(PubRec.class);
            }
            pub.send(new PubRel(1));
            assertThat(pub.receive(PubComp.class).packetId()).isEqualTo(1);
            pub.send(publish("rm/6", 2, 3, MqttProperties.EMPTY, "fits again"));
            assertThat(pub.receive(PubRec.class).packetId()).isEqualTo(3);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-7: a QoS 1 publish counts too: the third unacknowledged one gets DISCONNECT 0x93")
    void aQos1PublishBeyondTheQuotaIsRefused() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rm-pub-7")) {
            for (int id = 1; id <= 2; id++) {
                pub.send(publish("rm/7", 2, id, MqttProperties.EMPTY, "unreleased"));
                pub.receive(PubRec.class);
            }
            pub.send(publish("rm/7", 1, 3, MqttProperties.EMPTY, "qos 1"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
        }
    }

    @Test
    @DisplayName("§4.9: QoS 0 publishes are not flow-controlled: they pass while the quota is used up")
    void qos0PublishesAreNotCounted() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "rm-sub-8");
             RawClient pub = RawV5.connect(broker.port(), "rm-pub-8")) {
            RawV5.subscribe(sub, "rm/8", 0);
            for (int id = 1; id <= 2; id++) {
                pub.send(publish("rm/8/held", 2, id, MqttProperties.EMPTY, "unreleased " + id));
                pub.receive(PubRec.class);
            }
            pub.send(publish("rm/8", 0, 0, MqttProperties.EMPTY, "qos 0"));
            assertThat(text(sub.receive(Publish.class))).isEqualTo("qos 0");
        }
    }
}
