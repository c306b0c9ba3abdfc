package io.midge.broker.limits;

import io.midge.broker.testing.RawClient;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Duration;

/** Short forms for the raw-client flows of the limit tests. */
final class Raw {
    /** How long a test listens to prove that a packet does NOT arrive. */
    static final Duration QUIET = Duration.ofMillis(300);

    private Raw() {
    }

    static Connect connectPacket(MqttVersion version, String clientId, boolean cleanStart, int keepAlive) {
        return new Connect(version, clientId, cleanStart, keepAlive, null, null, null, MqttProperties.EMPTY);
    }

    /** Sends CONNECT and returns the CONNACK, whatever it says. */
    static ConnAck connAck(RawClient client, MqttVersion version, String clientId) throws IOException {
        client.version(version).send(connectPacket(version, clientId, true, 0));
        return client.receive(ConnAck.class);
    }

    /** A client connected with clean start; fails unless CONNACK says success. */
    static RawClient connected(int port, MqttVersion version, String clientId) throws IOException {
        RawClient client = new RawClient(port).version(version);
        try {
            client.connect(connectPacket(version, clientId, true, 0));
        } catch (IOException | RuntimeException | AssertionError e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** A PUBLISH with a heap payload (not leak-tracked: nothing to release if unsent). */
    static Publish publish(String topic, int qos, int packetId, byte[] payload) {
        return new Publish(topic, qos, false, false, packetId, MqttProperties.EMPTY, Unpooled.wrappedBuffer(payload));
    }
}
