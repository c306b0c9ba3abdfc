package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Subscription;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PUBACK and PUBREC reason codes in 5.0 (sections 3.4.2.1 and 3.5.2.1): 0x10 No matching subscribers when the
 * message reached nobody, 0x00 Success when it reached someone. 3.1.1 acknowledgements carry no code.
 */
class PublishAckReasonCodeTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    @Test
    @DisplayName("PUBACK 0x10 without subscribers, 0x00 with one (§3.4.2.1)")
    void pubAckSaysWhetherAnyoneSubscribes() throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "puback-pub");
        publisher.send(QosLevelsTest.publish("rc/q1", 1, 1));
        PubAck nobody = publisher.receive(PubAck.class);
        assertThat(nobody.packetId()).isEqualTo(1);
        assertThat(nobody.reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);

        RawClient subscriber = clients.raw(MqttVersion.MQTT_5, "puback-sub");
        Clients.subscribe(subscriber, 1, new Subscription("rc/+", 0));
        publisher.send(QosLevelsTest.publish("rc/q1", 1, 2));
        PubAck somebody = publisher.receive(PubAck.class);
        assertThat(somebody.packetId()).isEqualTo(2);
        assertThat(somebody.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("PUBREC 0x10 without subscribers, and the QoS 2 flow still completes; 0x00 with one (§3.5.2.1)")
    void pubRecSaysWhetherAnyoneSubscribes() throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_5, "pubrec-pub");
        publisher.send(QosLevelsTest.publish("rc/q2", 2, 1));
        PubRec nobody = publisher.receive(PubRec.class);
        assertThat(nobody.reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);
        // 0x10 is not an error (below 0x80): the exchange goes on to PUBREL and PUBCOMP.
        publisher.send(new PubRel(1));
        PubComp pubComp = publisher.receive(PubComp.class);
        assertThat(pubComp.reasonCode()).isEqualTo(ReasonCode.SUCCESS);

        RawClient subscriber = clients.raw(MqttVersion.MQTT_5, "pubrec-sub");
        Clients.subscribe(subscriber, 1, new Subscription("rc/q2", 2));
        publisher.send(QosLevelsTest.publish("rc/q2", 2, 2));
        assertThat(publisher.receive(PubRec.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        publisher.send(new PubRel(2));
        publisher.receive(PubComp.class);
    }

    @Test
    @DisplayName("A message whose only match is the publisher's own No Local subscription has no matching "
            + "subscribers (MQTT-3.8.3-3)")
    void noLocalSubscriptionOfThePublisherDoesNotCount() throws Exception {
        RawClient client = clients.raw(MqttVersion.MQTT_5, "nolocal");
        Clients.subscribe(client, 1, new Subscription("rc/own", 1, true, false, 0));
        client.send(QosLevelsTest.publish("rc/own", 1, 5));
        assertThat(client.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS);
    }

    @Test
    @DisplayName("HiveMQ sees No matching subscribers and Success in its PUBACK and PUBREC results")
    void hiveMqSeesTheReasonCodes() {
        Mqtt5BlockingClient publisher = clients.hivemq5("rc-hive-pub");
        Mqtt5PublishResult q1 = publisher.publishWith().topic("rc/hive").qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.utf8("x")).send();
        Mqtt5PublishResult q2 = publisher.publishWith().topic("rc/hive").qos(MqttQos.EXACTLY_ONCE)
                .payload(Clients.utf8("x")).send();
        assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) q1).getPubAck().getReasonCode())
                .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(((Mqtt5PublishResult.Mqtt5Qos2Result) q2).getPubRec().getReasonCode())
                .isEqualTo(Mqtt5PubRecReasonCode.NO_MATCHING_SUBSCRIBERS);

        clients.hivemq5("rc-hive-sub").subscribeWith().topicFilter("rc/#").qos(MqttQos.AT_MOST_ONCE).send();
        Mqtt5PublishResult q1Again = publisher.publishWith().topic("rc/hive").qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.utf8("x")).send();
        Mqtt5PublishResult q2Again = publisher.publishWith().topic("rc/hive").qos(MqttQos.EXACTLY_ONCE)
                .payload(Clients.utf8("x")).send();
        assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) q1Again).getPubAck().getReasonCode())
                .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(((Mqtt5PublishResult.Mqtt5Qos2Result) q2Again).getPubRec().getReasonCode())
                .isEqualTo(Mqtt5PubRecReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("3.1.1: PUBACK and PUBREC carry no reason code, also when nobody subscribes")
    void acknowledgementsIn311HaveNoReasonCode() throws Exception {
        RawClient publisher = clients.raw(MqttVersion.MQTT_3_1_1, "rc-v3");
        // The client's 3.1.1 decoder is strict: a byte after the packet id would fail the receive.
        publisher.send(QosLevelsTest.publish("rc/v3", 1, 0x0102));
        assertThat(publisher.receive(PubAck.class)).isEqualTo(new PubAck(0x0102));
        publisher.send(QosLevelsTest.publish("rc/v3", 2, 0x0103));
        assertThat(publisher.receive(PubRec.class)).isEqualTo(new PubRec(0x0103));
    }
}
