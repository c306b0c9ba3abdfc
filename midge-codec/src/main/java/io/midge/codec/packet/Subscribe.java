package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import java.util.List;
import java.util.Objects;

/** SUBSCRIBE: one or more topic filters with their options. */
public record Subscribe(int packetId, List<Subscription> subscriptions, MqttProperties properties)
        implements MqttPacket {
    public Subscribe {
        Packets.checkPacketId(packetId);
        subscriptions = List.copyOf(subscriptions);
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.SUBSCRIBE;
    }
}
