package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.midge.broker.pubsub.Clients.Paho3;
import io.midge.broker.pubsub.Clients.Paho5;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * QoS 0, 1 and 2 in both directions: every published QoS against every subscribed QoS, delivered at the minimum of
 * the two (MQTT 3.1.1 MQTT-3.8.4-6, MQTT 5.0 MQTT-3.8.4-8), with each client library and with exact packets.
 */
class QosLevelsTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension();
    @RegisterExtension
    @Order(2) // after the broker, so that its clients are closed before the broker
    final Clients clients = new Clients(broker);

    /** Published QoS x subscribed QoS. */
    static Stream<Arguments> table() {
        Stream.Builder<Arguments> rows = Stream.builder();
        for (int published = 0; published <= 2; published++) {
            for (int subscribed = 0; subscribed <= 2; subscribed++) {
                rows.add(Arguments.of(published, subscribed));
            }
        }
        return rows.build();
    }

    @ParameterizedTest(name = "published QoS {0}, subscribed QoS {1}")
    @MethodSource("table")
    @DisplayName("Paho v3 (3.1.1): delivered at the minimum of published and granted QoS (MQTT-3.8.4-6)")
    void paho3DeliversAtTheMinimumQos(int published, int subscribed) throws Exception {
        Paho3 subscriber = clients.paho3("qos3-sub");
        int[] granted = subscriber.client.subscribeWithResponse(new String[] {"qos/v3"}, new int[] {subscribed})
                .getGrantedQos();
        assertThat(granted).containsExactly(subscribed);
        Paho3 publisher = clients.paho3("qos3-pub");
        publisher.publish("qos/v3", "p" + published + "s" + subscribed, published, false);
        await().until(() -> subscriber.received.size() == 1);
        assertThat(subscriber.received).containsExactly(
                new Clients.Received("qos/v3", "p" + published + "s" + subscribed, Math.min(published, subscribed),
                        false));
    }

    @ParameterizedTest(name = "published QoS {0}, subscribed QoS {1}")
    @MethodSource("table")
    @DisplayName("Paho v3 speaking MQTT 3.1: delivered at the minimum of published and granted QoS")
    void paho31DeliversAtTheMinimumQos(int published, int subscribed) throws Exception {
        Paho3 subscriber = clients.paho3("qos31-sub", MqttConnectOptions.MQTT_VERSION_3_1);
        subscriber.client.subscribe("qos/v31", subscribed);
        Paho3 publisher = clients.paho3("qos31-pub", MqttConnectOptions.MQTT_VERSION_3_1);
        publisher.publish("qos/v31", "m", published, false);
        await().until(() -> subscriber.received.size() == 1);
        assertThat(subscriber.received.get(0).qos()).isEqualTo(Math.min(published, subscribed));
    }

    @ParameterizedTest(name = "published QoS {0}, subscribed QoS {1}")
    @MethodSource("table")
    @DisplayName("HiveMQ (5.0): delivered at the minimum of published and granted QoS (MQTT-3.8.4-8)")
    void hiveMqDeliversAtTheMinimumQos(int published, int subscribed) throws Exception {
        Mqtt5BlockingClient subscriber = clients.hivemq5("qos5-sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5SubAck subAck = subscriber.subscribeWith().topicFilter("qos/v5").qos(MqttQos.fromCode(subscribed))
                    .send();
            assertThat(subAck.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.fromCode(subscribed));
            Mqtt5BlockingClient publisher = clients.hivemq5("qos5-pub");
            publisher.publishWith().topic("qos/v5").qos(MqttQos.fromCode(published)).payload(Clients.utf8("m"))
                    .send();
            Optional<Mqtt5Publish> message = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(message).isPresent();
            assertThat(message.get().getQos().getCode()).isEqualTo(Math.min(published, subscribed));
            assertThat(publishes.receive(50, TimeUnit.MILLISECONDS)).as("exactly one delivery").isEmpty();
        }
    }

    @ParameterizedTest(name = "published QoS {0}, subscribed QoS {1}")
    @MethodSource("table")
    @DisplayName("Paho v5 (5.0): delivered at the minimum of published and granted QoS (MQTT-3.8.4-8)")
    void paho5DeliversAtTheMinimumQos(int published, int subscribed) throws Exception {
        Paho5 subscriber = clients.paho5("qos5p-sub");
        var token = subscriber.client.subscribe(new MqttSubscription("qos/p5", subscribed));
        token.waitForCompletion(5000);
        int[] codes = token.getReasonCodes();
        assertThat(codes).containsExactly(subscribed);
        Paho5 publisher = clients.paho5("qos5p-pub");
        publisher.client.publish("qos/p5", Clients.utf8("m"), published, false).waitForCompletion(5000);
        await().until(() -> subscriber.received.size() == 1);
        assertThat(subscriber.received.get(0).qos()).isEqualTo(Math.min(published, subscribed));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("Exact packets: each QoS is acknowledged to the publisher and delivered to the subscriber by its "
            + "own flow (§4.3)")
    void eachQosHasItsFlowInBothDirections(MqttVersion version) throws Exception {
        RawClient subscriber = clients.raw(version, "flows-sub");
        SubAck subAck = Clients.subscribe(subscriber, 1, new Subscription("flows/#", 2));
        assertThat(subAck.reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_2);
        RawClient publisher = clients.raw(version, "flows-pub");

        // QoS 0: no acknowledgement either way.
        publisher.send(publish("flows/0", 0, 0));
        Publish q0 = subscriber.receive(Publish.class);
        assertThat(q0.qos()).isZero();
        assertThat(q0.packetId()).isZero();
        assertThat(publisher.poll(Duration.ofMillis(50))).isNull();

        // QoS 1: PUBLISH, PUBACK.
        publisher.send(publish("flows/1", 1, 11));
        assertThat(publisher.receive(PubAck.class).packetId()).isEqualTo(11);
        Publish q1 = subscriber.receive(Publish.class);
        assertThat(q1.qos()).isEqualTo(1);
        assertThat(q1.dup()).isFalse();
        subscriber.send(new PubAck(q1.packetId()));

        // QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP.
        publisher.send(publish("flows/2", 2, 12));
        assertThat(publisher.receive(PubRec.class).packetId()).isEqualTo(12);
        publisher.send(new PubRel(12));
        assertThat(publisher.receive(PubComp.class).packetId()).isEqualTo(12);
        Publish q2 = subscriber.receive(Publish.class);
        assertThat(q2.qos()).isEqualTo(2);
        subscriber.send(new PubRec(q2.packetId()));
        assertThat(subscriber.receive(PubRel.class).packetId()).isEqualTo(q2.packetId());
        subscriber.send(new PubComp(q2.packetId()));

        MqttPacket extra = subscriber.poll(Duration.ofMillis(100));
        assertThat(extra).as("nothing more for the subscriber").isNull();
        assertThat(List.of(q0.topic(), q1.topic(), q2.topic())).containsExactly("flows/0", "flows/1", "flows/2");
    }

    static Publish publish(String topic, int qos, int packetId) {
        return new Publish(topic, qos, false, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(Clients.utf8(topic)));
    }
}
