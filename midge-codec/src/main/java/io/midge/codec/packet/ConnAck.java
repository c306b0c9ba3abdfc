package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.Objects;

/** CONNACK. In 3.x the reason code is written as the closest return code (0-5). */
public record ConnAck(boolean sessionPresent, ReasonCode reasonCode, MqttProperties properties) implements MqttPacket {
    public ConnAck {
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(properties, "properties");
        if (!reasonCode.allowedIn(PacketType.CONNACK)) {
            throw new IllegalArgumentException(reasonCode + " is not a CONNACK reason code");
        }
    }

    @Override
    public PacketType type() {
        return PacketType.CONNACK;
    }
}
