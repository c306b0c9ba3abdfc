package io.midge.codec.packet;

import io.midge.codec.protocol.PacketType;

/** One MQTT control packet as an immutable value. The decoder produces them; the encoder writes them. */
public sealed interface MqttPacket
        permits Connect, ConnAck, Publish, PublishFlowPacket, Subscribe, SubAck, Unsubscribe,
        UnsubAck, PingReq, PingResp, Disconnect, Auth {

    PacketType type();
}
