package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A read that routed a message flushes its acknowledgement in a task queued behind the deliveries the read queued on
 * the loop, so that a subscriber's copy is not kept waiting for the publisher's PUBACK or PUBREC to be written (the
 * latency tail at QoS 1 and 2, issue #13); other reads still flush at their end.
 */
class AcknowledgementOrderTest {
    private final EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private EmbeddedClient subscriber(int qos) {
        EmbeddedClient sub = broker.client(MqttVersion.MQTT_3_1_1);
        sub.connect("sub", true);
        sub.send(new Subscribe(1, List.of(new Subscription("t", qos)), MqttProperties.EMPTY));
        sub.receivedOnly(SubAck.class);
        return sub;
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    @DisplayName("MQTT-4.3.2-2 / MQTT-4.3.3-2: the PUBACK or PUBREC of a routed message is still sent, after the "
            + "tasks that deliver it")
    void acknowledgementOfARoutedMessageWaitsForTheLoopsTasks(int qos) {
        EmbeddedClient sub = subscriber(qos);
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_3_1_1);
        pub.connect("pub", true);

        pub.sendLeavingTasks(publish("t", qos, 7, "hello", MqttProperties.EMPTY));

        assertThat(pub.flushedNow()).as("acknowledgement flushed at the read's end, before the deliveries").isFalse();
        Publish delivered = sub.receivedOnly(Publish.class);
        assertThat(text(delivered)).isEqualTo("hello");
        Class<?> ack = qos == 1 ? PubAck.class : PubRec.class;
        assertThat(pub.received()).singleElement().isInstanceOf(ack);
    }

    @Test
    @DisplayName("MQTT-3.12.4-1: a read that routes nothing flushes at its end (PINGRESP), as before")
    void readThatRoutesNothingFlushesAtItsEnd() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.connect("c", true);

        client.sendLeavingTasks(PingReq.INSTANCE);

        assertThat(client.flushedNow()).isTrue();
        assertThat(client.received()).singleElement().isInstanceOf(PingResp.class);
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: a QoS 1 message no one subscribed to is acknowledged at the read's end")
    void unroutedMessageIsAcknowledgedAtTheReadsEnd() {
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_3_1_1);
        pub.connect("pub", true);

        pub.sendLeavingTasks(publish("nobody", 1, 3, "x", MqttProperties.EMPTY));

        assertThat(pub.flushedNow()).isTrue();
        assertThat(pub.received()).singleElement().isInstanceOf(PubAck.class);
    }
}
