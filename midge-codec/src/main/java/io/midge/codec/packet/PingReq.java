package io.midge.codec.packet;

import io.midge.codec.protocol.PacketType;

/** PINGREQ: the client is alive. */
public record PingReq() implements MqttPacket {
    public static final PingReq INSTANCE = new PingReq();

    @Override
    public PacketType type() {
        return PacketType.PINGREQ;
    }
}
