package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import java.util.Objects;

/**
 * CONNECT. {@code cleanStart} is Clean Session in 3.x. The username, password and will are null when absent;
 * {@code keepAlive} is in seconds (0 turns it off).
 */
public record Connect(MqttVersion version, String clientId, boolean cleanStart, int keepAlive, String username,
                      Binary password, Will will, MqttProperties properties) implements MqttPacket {
    public Connect {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(properties, "properties");
        if (keepAlive < 0 || keepAlive > 0xFFFF) {
            throw new IllegalArgumentException("keepAlive out of range: " + keepAlive);
        }
    }

    @Override
    public PacketType type() {
        return PacketType.CONNECT;
    }
}
