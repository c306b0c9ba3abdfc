package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/** PUBREC: a step of the QoS 2 flow for one packet identifier. */
public record PubRec(int packetId, ReasonCode reasonCode, MqttProperties properties) implements PublishFlowPacket {
    public PubRec {
        PublishFlowPacket.check(PacketType.PUBREC, packetId, reasonCode, properties);
    }

    /** The plain, successful form. */
    public PubRec(int packetId) {
        this(packetId, ReasonCode.SUCCESS, MqttProperties.EMPTY);
    }

    @Override
    public PacketType type() {
        return PacketType.PUBREC;
    }
}
