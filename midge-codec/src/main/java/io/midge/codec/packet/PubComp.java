package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/** PUBCOMP: a step of the QoS 2 flow for one packet identifier. */
public record PubComp(int packetId, ReasonCode reasonCode, MqttProperties properties) implements PublishFlowPacket {
    public PubComp {
        PublishFlowPacket.check(PacketType.PUBCOMP, packetId, reasonCode, properties);
    }

    /** The plain, successful form. */
    public PubComp(int packetId) {
        this(packetId, ReasonCode.SUCCESS, MqttProperties.EMPTY);
    }

    @Override
    public PacketType type() {
        return PacketType.PUBCOMP;
    }
}
