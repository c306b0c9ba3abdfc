package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.Objects;

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one shape: a packet identifier, a reason code and properties. */
public sealed interface PublishFlowPacket extends MqttPacket permits PubAck, PubRec, PubRel, PubComp {
    int packetId();

    ReasonCode reasonCode();

    MqttProperties properties();

    static void check(PacketType type, int packetId, ReasonCode reasonCode, MqttProperties properties) {
        Packets.checkPacketId(packetId);
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(properties, "properties");
        if (!reasonCode.allowedIn(type)) {
            throw new IllegalArgumentException(reasonCode + " is not a " + type + " reason code");
        }
    }
}
