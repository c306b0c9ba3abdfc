package io.midge.broker.mqtt5;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Short forms for the MQTT 5.0 flows the tests of this package drive with {@link RawClient}. */
final class RawV5 {
    private RawV5() {
    }

    /** A 5.0 client connected with clean start and no properties. */
    static RawClient connect(int port, String clientId) throws IOException {
        return connect(port, clientId, true, MqttProperties.EMPTY);
    }

    /** A 5.0 client connected with these CONNECT properties; fails unless CONNACK says success. */
    static RawClient connect(int port, String clientId, boolean cleanStart, MqttProperties props) throws IOException {
        return RawClient.connected(port, connectPacket(clientId, cleanStart, props));
    }

    static Connect connectPacket(String clientId, boolean cleanStart, MqttProperties props) {
        return new Connect(MqttVersion.MQTT_5, clientId, cleanStart, 0, null, null, null, props);
    }

    static MqttProperties props(Object... idsAndValues) {
        MqttProperties.Builder b = MqttProperties.builder();
        for (int i = 0; i < idsAndValues.length; i += 2) {
            PropertyId id = (PropertyId) idsAndValues[i];
            Object value = idsAndValues[i + 1];
            b.set(id, value instanceof Integer n ? Long.valueOf(n) : value);
        }
        return b.build();
    }

    /** Subscribes and checks that the SUBACK grants the requested QoS. */
    static void subscribe(RawClient client, int packetId, Subscription subscription, MqttProperties props)
            throws IOException {
        client.send(new Subscribe(packetId, List.of(subscription), props));
        SubAck subAck = client.receive(SubAck.class);
        assertThat(subAck.packetId()).isEqualTo(packetId);
        assertThat(subAck.reasonCodes()).containsExactly(ReasonCode.of(PacketType.SUBACK, subscription.qos()));
    }

    static void subscribe(RawClient client, String filter, int qos) throws IOException {
        subscribe(client, 1, new Subscription(filter, qos), MqttProperties.EMPTY);
    }

    static String text(Publish publish) {
        return new String(ByteBufUtil.getBytes(publish.payload()), StandardCharsets.UTF_8);
    }

    /** Waits for the broker to close the connection and returns the DISCONNECT it sent first. */
    static Disconnect awaitDisconnect(RawClient client) throws IOException {
        List<MqttPacket> before = client.awaitClose();
        assertThat(before).as("packets before the close").hasSize(1).first().isInstanceOf(Disconnect.class);
        return (Disconnect) before.get(0);
    }

    /** Sends DISCONNECT (normal) and closes the socket. */
    static void disconnect(RawClient client) throws IOException {
        client.send(Disconnect.NORMAL);
        client.awaitClose();
        client.close();
    }
}
