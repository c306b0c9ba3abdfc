package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.Objects;

/** AUTH (5.0 only): a step of enhanced authentication. */
public record Auth(ReasonCode reasonCode, MqttProperties properties) implements MqttPacket {
    public Auth {
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(properties, "properties");
        if (!reasonCode.allowedIn(PacketType.AUTH)) {
            throw new IllegalArgumentException(reasonCode + " is not an AUTH reason code");
        }
    }

    @Override
    public PacketType type() {
        return PacketType.AUTH;
    }
}
