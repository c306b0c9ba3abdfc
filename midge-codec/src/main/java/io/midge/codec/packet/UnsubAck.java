package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.Objects;

/** UNSUBACK: in 5.0 one reason code per topic filter; in 3.x no reason codes at all (an empty list). */
public record UnsubAck(int packetId, List<ReasonCode> reasonCodes, MqttProperties properties) implements MqttPacket {
    public UnsubAck {
        Packets.checkPacketId(packetId);
        reasonCodes = List.copyOf(reasonCodes);
        for (ReasonCode code : reasonCodes) {
            if (!code.allowedIn(PacketType.UNSUBACK)) {
                throw new IllegalArgumentException(code + " is not an UNSUBACK reason code");
            }
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.UNSUBACK;
    }
}
