package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.Objects;

/** SUBACK: one reason code per topic filter of the SUBSCRIBE, in order. */
public record SubAck(int packetId, List<ReasonCode> reasonCodes, MqttProperties properties) implements MqttPacket {
    public SubAck {
        Packets.checkPacketId(packetId);
        reasonCodes = List.copyOf(reasonCodes);
        for (ReasonCode code : reasonCodes) {
            if (!code.allowedIn(PacketType.SUBACK)) {
                throw new IllegalArgumentException(code + " is not a SUBACK reason code");
            }
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.SUBACK;
    }
}
