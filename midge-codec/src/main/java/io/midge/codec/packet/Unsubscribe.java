package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import java.util.List;
import java.util.Objects;

/** UNSUBSCRIBE: one or more topic filters to remove. */
public record Unsubscribe(int packetId, List<String> topicFilters, MqttProperties properties) implements MqttPacket {
    public Unsubscribe {
        Packets.checkPacketId(packetId);
        topicFilters = List.copyOf(topicFilters);
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.UNSUBSCRIBE;
    }
}
