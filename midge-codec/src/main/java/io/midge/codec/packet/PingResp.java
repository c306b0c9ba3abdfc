package io.midge.codec.packet;

import io.midge.codec.protocol.PacketType;

/** PINGRESP: the server is alive. */
public record PingResp() implements MqttPacket {
    public static final PingResp INSTANCE = new PingResp();

    @Override
    public PacketType type() {
        return PacketType.PINGRESP;
    }
}
