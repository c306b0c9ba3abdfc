package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.Objects;

/** DISCONNECT. In 3.x it carries nothing: the reason code is always normal disconnection. */
public record Disconnect(ReasonCode reasonCode, MqttProperties properties) implements MqttPacket {
    public static final Disconnect NORMAL = new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY);

    public Disconnect {
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(properties, "properties");
        if (!reasonCode.allowedIn(PacketType.DISCONNECT)) {
            throw new IllegalArgumentException(reasonCode + " is not a DISCONNECT reason code");
        }
    }

    public Disconnect(ReasonCode reasonCode) {
        this(reasonCode, MqttProperties.EMPTY);
    }

    @Override
    public PacketType type() {
        return PacketType.DISCONNECT;
    }
}
