package io.midge.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker starts, takes a subscriber and a publisher, and passes a message; the harness works. */
class SmokeTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    void pahoPublisherReachesPahoSubscriber() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient sub = new MqttClient(broker.uri(), "sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.uri(), "pub", new MemoryPersistence());
        try {
            sub.connect(new MqttConnectOptions());
            sub.subscribe("ward3/+/heartrate", 1, (topic, msg) ->
                    received.add(topic + "=" + new String(msg.getPayload(), StandardCharsets.UTF_8)));
            pub.connect(new MqttConnectOptions());
            pub.publish("ward3/bed12/heartrate", "72".getBytes(StandardCharsets.UTF_8), 1, false);
            await().until(() -> received.size() == 1);
            assertThat(received).containsExactly("ward3/bed12/heartrate=72");
        } finally {
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }

    @Test
    void aMalformedPacketGetsDisconnectWithItsReasonCodeIn5() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5).connect("raw");
            client.sendHex("36 05 00 01 61 00 00"); // PUBLISH with QoS 3
            List<MqttPacket> before = client.awaitClose();
            assertThat(before).containsExactly(new Disconnect(ReasonCode.MALFORMED_PACKET,
                    ((Disconnect) before.get(0)).properties()));
        }
    }
}
