package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/** PUBACK: a step of the QoS 1 flow for one packet identifier. */
public record PubAck(int packetId, ReasonCode reasonCode, MqttProperties properties) implements PublishFlowPacket {
    public PubAck {
        PublishFlowPacket.check(PacketType.PUBACK, packetId, reasonCode, properties);
    }

    /** The plain, successful form. */
    public PubAck(int packetId) {
        this(packetId, ReasonCode.SUCCESS, MqttProperties.EMPTY);
    }

    @Override
    public PacketType type() {
        return PacketType.PUBACK;
    }
}
