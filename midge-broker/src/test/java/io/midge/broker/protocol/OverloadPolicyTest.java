package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.limits.Overload;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The overload policy as a connection applies it, on EmbeddedChannels, with the memory figure set by the test (the
 * default watermarks: QoS 0 dropped from 70 %, publishers paused from 80 %, 5.0 QoS 1/2 refused from 90 %).
 */
class OverloadPolicyTest {
    private final EmbeddedBroker broker = new EmbeddedBroker();
    private final Overload overload = broker.context.limits().overload();

    @AfterEach
    void close() {
        broker.close();
    }

    private EmbeddedClient connected(MqttVersion version, String clientId, int keepAlive) {
        EmbeddedClient client = broker.client(version);
        client.connect(new Connect(version, clientId, true, keepAlive, null, null, null, MqttProperties.EMPTY));
        return client;
    }

    private EmbeddedClient subscriber(String filter) {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "sub", 0);
        client.send(new Subscribe(1, List.of(new Subscription(filter, 2)), MqttProperties.EMPTY));
        assertThat(client.receivedOnly(SubAck.class).reasonCodes()).allMatch(code -> !code.isError());
        return client;
    }

    private List<String> delivered(EmbeddedClient client) {
        broker.runPendingTasks();
        List<MqttPacket> packets = client.received();
        return packets.stream().filter(p -> p instanceof Publish).map(p -> text((Publish) p))
                .collect(Collectors.toList());
    }

    private static boolean reading(EmbeddedClient client) {
        return client.channel.config().isAutoRead();
    }

    @Test
    @DisplayName("Below every watermark nothing is dropped, paused or refused")
    void belowTheWatermarks() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub", 60);
        overload.update(69);
        pub.send(publish("t", 0, 0, "zero", MqttProperties.EMPTY));
        pub.send(publish("t", 1, 1, "one", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(delivered(sub)).containsExactly("zero", "one");
        assertThat(reading(pub)).isTrue();
        assertThat(broker.metrics.droppedOverload.sum() + broker.metrics.overloadPauses.sum()
                + broker.metrics.refusedOverload.sum()).isZero();
    }

    @Test
    @DisplayName("From overload-drop-qos0 QoS 0 publishes are dropped and counted, while QoS 1 is still delivered")
    void qos0IsDroppedFirst() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub", 60);
        overload.update(75);
        pub.send(publish("t", 0, 0, "zero", MqttProperties.EMPTY));
        pub.send(publish("t", 1, 1, "one", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubAck.class).packetId()).isEqualTo(1);
        assertThat(delivered(sub)).containsExactly("one");
        assertThat(broker.metrics.droppedOverload.sum()).isEqualTo(1);
        assertThat(reading(pub)).as("not paused below overload-pause-publishers").isTrue();
    }

    @Test
    @DisplayName("A measure ends 5 points below its watermark, not at it, so that it does not flap")
    void hysteresis() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub", 60);
        overload.update(70);
        overload.update(66);
        pub.send(publish("t", 0, 0, "dropped", MqttProperties.EMPTY));
        overload.update(65);
        pub.send(publish("t", 0, 0, "delivered", MqttProperties.EMPTY));
        assertThat(delivered(sub)).containsExactly("delivered");
    }

    @Test
    @DisplayName("From overload-pause-publishers a client that publishes is not read until memory falls; a client "
            + "that does not publish is never paused, and PINGREQ is answered")
    void publishersArePaused() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient idle = connected(MqttVersion.MQTT_3_1_1, "idle", 60);
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub", 60);
        overload.update(85);
        pub.send(publish("t", 1, 1, "one", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(delivered(sub)).as("slowed, not refused").containsExactly("one");
        assertThat(reading(pub)).isFalse();
        assertThat(overload.pausedPublishers()).isEqualTo(1);
        assertThat(broker.metrics.overloadPauses.sum()).isEqualTo(1);
        idle.send(PingReq.INSTANCE);
        idle.receivedOnly(PingResp.class);
        assertThat(reading(idle)).isTrue();
        assertThat(reading(sub)).isTrue();

        // Still overloaded at the checks: still paused.
        pub.channel.advanceTimeBy(500, TimeUnit.MILLISECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(reading(pub)).isFalse();

        overload.update(50);
        pub.channel.advanceTimeBy(OverloadPause.LONGEST_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(reading(pub)).as("read again once memory fell").isTrue();
        assertThat(overload.pausedPublishers()).isZero();
    }

    @Test
    @DisplayName("A pause lasts at most half the client's keep-alive (at most 10 s), so that a PINGREQ it sends is "
            + "read in time (MQTT-3.1.2-22 is the client's as much as ours)")
    void aPauseEndsWithinHalfTheKeepAlive() {
        assertThat(OverloadPause.longestPauseMillis(0)).isEqualTo(10_000);
        assertThat(OverloadPause.longestPauseMillis(60)).isEqualTo(10_000);
        assertThat(OverloadPause.longestPauseMillis(4)).isEqualTo(2_000);
        subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub", 4);
        overload.update(95);
        pub.send(publish("t", 0, 0, "zero", MqttProperties.EMPTY));
        assertThat(reading(pub)).isFalse();
        for (int ms = 0; ms < 1900; ms += 100) {
            pub.channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            pub.channel.runScheduledPendingTasks();
        }
        assertThat(reading(pub)).isFalse();
        pub.channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(reading(pub)).as("read again after 2 s though still overloaded").isTrue();
        pub.send(PingReq.INSTANCE);
        pub.receivedOnly(PingResp.class);
        pub.send(publish("t", 0, 0, "zero", MqttProperties.EMPTY));
        assertThat(reading(pub)).as("paused again by its next publish").isFalse();
        assertThat(broker.metrics.overloadPauses.sum()).isEqualTo(2);
    }

    @Test
    @DisplayName("From overload-refuse-publishes a 5.0 client's QoS 1/2 publish is refused with 0x97 Quota exceeded "
            + "and a reason string (5.0 §3.4.2.1, §3.5.2.1), counted and not delivered")
    void v5QosOneAndTwoAreRefused() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub", 60);
        overload.update(92);
        pub.send(publish("t", 1, 1, "one", MqttProperties.EMPTY));
        PubAck ack = pub.receivedOnly(PubAck.class);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
        assertThat(ack.properties().string(PropertyId.REASON_STRING)).contains("overloaded");
        pub.channel.advanceTimeBy(OverloadPause.LONGEST_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        pub.channel.runScheduledPendingTasks();
        pub.send(publish("t", 2, 2, "two", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubRec.class).reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
        assertThat(delivered(sub)).isEmpty();
        assertThat(broker.metrics.refusedOverload.sum()).isEqualTo(2);
    }

    @Test
    @DisplayName("A 3.1.1 client's QoS 1 publish is taken even past overload-refuse-publishes (3.1.1 has no way to "
            + "refuse it: its PUBACK has no reason code, 3.1.1 §3.4): its client is paused instead")
    void v311IsOnlyPaused() {
        EmbeddedClient sub = subscriber("t");
        EmbeddedClient pub = connected(MqttVersion.MQTT_3_1_1, "pub", 60);
        overload.update(99);
        pub.send(publish("t", 1, 1, "one", MqttProperties.EMPTY));
        assertThat(pub.receivedOnly(PubAck.class).packetId()).isEqualTo(1);
        assertThat(delivered(sub)).containsExactly("one");
        assertThat(reading(pub)).isFalse();
        assertThat(broker.metrics.refusedOverload.sum()).isZero();
    }
}
