package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/** PUBREL: a step of the QoS 2 flow for one packet identifier. */
public record PubRel(int packetId, ReasonCode reasonCode, MqttProperties properties) implements PublishFlowPacket {
    public PubRel {
        PublishFlowPacket.check(PacketType.PUBREL, packetId, reasonCode, properties);
    }

    /** The plain, successful form. */
    public PubRel(int packetId) {
        this(packetId, ReasonCode.SUCCESS, MqttProperties.EMPTY);
    }

    @Override
    public PacketType type() {
        return PacketType.PUBREL;
    }
}
