package io.midge.client;

import io.midge.codec.MqttEncoder;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.alias.OutboundTopicAliases;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.TopicAliasOnly;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Encodes the client's PUBLISH packets for one connection, under the limits its CONNACK set: with a topic alias while
 * the broker's Topic Alias Maximum leaves some (MQTT 5.0), and not at all when the packet would exceed the broker's
 * Maximum Packet Size. Made anew for every connection, as aliases and limits die with it.
 */
final class PublishWriter {
    private final MqttVersion version;
    private final OutboundTopicAliases aliases;
    private final long serverMaximumPacketSize;

    /**
     * @param topicAliasMaximum       the aliases the client may use (0: none)
     * @param serverMaximumPacketSize the broker's Maximum Packet Size (0: none)
     */
    PublishWriter(MqttVersion version, int topicAliasMaximum, long serverMaximumPacketSize) {
        this.version = version;
        this.aliases = new OutboundTopicAliases(topicAliasMaximum);
        this.serverMaximumPacketSize = serverMaximumPacketSize;
    }

    /** The broker's Maximum Packet Size (0: none). */
    long serverMaximumPacketSize() {
        return serverMaximumPacketSize;
    }

    /** The encoded PUBLISH, or null when it would be larger than the broker's Maximum Packet Size. */
    ByteBuf encode(ByteBufAllocator alloc, OutgoingMessage message, int packetId, boolean dup) {
        MqttProperties properties = version.isV5() ? message.properties() : MqttProperties.EMPTY;
        String topic = message.topic();
        int alias = aliases.existing(topic);
        int newAlias = 0;
        if (alias != 0) {
            topic = "";
        } else {
            newAlias = aliases.next();
            alias = newAlias;
        }
        if (alias != 0) {
            properties = properties.isEmpty() ? TopicAliasOnly.of(alias)
                    : properties.toBuilder().set(PropertyId.TOPIC_ALIAS, (long) alias).build();
        }
        Publish publish = new Publish(topic, message.qos(), message.retain(), dup, packetId, properties,
                Unpooled.wrappedBuffer(message.payload()));
        try {
            if (serverMaximumPacketSize > 0 && mayExceedMaximum(message, properties)
                    && MqttEncoder.encodedSize(publish, version) > serverMaximumPacketSize) {
                return null;
            }
            ByteBuf encoded = MqttEncoder.encode(alloc, publish, version);
            if (newAlias != 0) {
                aliases.assign(message.topic(), newAlias);
            }
            return encoded;
        } finally {
            publish.release();
        }
    }

    /**
     * Whether the packet could be over the broker's maximum: a bound that is cheap to compute (a UTF-8 character takes
     * at most three bytes; the fixed header, packet identifier and an alias at most 12), so that the exact size is
     * computed only for packets near the limit or with properties.
     */
    private boolean mayExceedMaximum(OutgoingMessage message, MqttProperties properties) {
        if (properties.size() > 1 || properties.size() == 1 && !properties.contains(PropertyId.TOPIC_ALIAS)) {
            return true;
        }
        long bound = 16L + 3L * message.topic().length() + message.payload().length;
        return bound > serverMaximumPacketSize;
    }
}
