package io.midge.testkit;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The packets tests send most often, with the defaults they share, so that a test spells out only what it is about.
 * PUBLISH payloads are heap buffers, which Netty's leak detector does not track: a test that builds one and never
 * sends it leaks nothing.
 */
public final class TestPackets {
    private TestPackets() {
    }

    /** A CONNECT with clean start, keep-alive 0, and no credentials, will or properties. */
    public static Connect connect(MqttVersion version, String clientId) {
        return connect(version, clientId, true, 0);
    }

    /** A CONNECT without credentials, will or properties. */
    public static Connect connect(MqttVersion version, String clientId, boolean cleanStart, int keepAlive) {
        return new Connect(version, clientId, cleanStart, keepAlive, null, null, null, MqttProperties.EMPTY);
    }

    /** A PUBLISH, neither retained nor a duplicate, without properties. */
    public static Publish publish(String topic, int qos, int packetId, byte[] payload) {
        return publish(topic, qos, packetId, MqttProperties.EMPTY, payload);
    }

    /** A PUBLISH, neither retained nor a duplicate. */
    public static Publish publish(String topic, int qos, int packetId, MqttProperties properties, byte[] payload) {
        return new Publish(topic, qos, false, false, packetId, properties, Unpooled.wrappedBuffer(payload));
    }

    /** A PUBLISH, neither retained nor a duplicate, whose payload is the text in UTF-8. */
    public static Publish publish(String topic, int qos, int packetId, MqttProperties properties, String payload) {
        return publish(topic, qos, packetId, properties, payload.getBytes(StandardCharsets.UTF_8));
    }
}
