package io.midge.codec;

import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/** Decodes PUBLISH (MQTT 5.0 section 3.3) and the packets of its QoS 1 and 2 flows: PUBACK, PUBREC, PUBREL, PUBCOMP. */
final class PublishDecoder {
    private PublishDecoder() {
    }

    /** @param flags the fixed header's lower nibble, already checked: DUP, QoS and RETAIN */
    static Publish decodePublish(int flags, BodyReader reader) {
        int qos = (flags >> 1) & 0x03;
        String topic = reader.readString("topic name");
        String problem = Topics.topicNameProblem(topic);
        if (problem != null) {
            throw new MqttCodecException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2", problem);
        }
        int packetId = qos > 0 ? reader.readPacketId(PacketType.PUBLISH) : 0;
        MqttProperties properties = PropertiesDecoder.readIfV5(reader, PacketType.PUBLISH);
        if (reader.readByServer() && properties.contains(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
            throw MqttCodecException.protocolError("MQTT-3.3.4-6",
                    "a PUBLISH from a client carries a Subscription Identifier");
        }
        if (topic.isEmpty() && !properties.contains(PropertyId.TOPIC_ALIAS)) {
            throw MqttCodecException.protocolError(reader.isV5() ? "§3.3.2.1" : "MQTT-4.7.3-1",
                    "empty topic name without a Topic Alias");
        }
        // The payload is read last, so that no check can fail while its retained slice is held.
        return new Publish(topic, qos, (flags & 0x01) != 0, (flags & 0x08) != 0, packetId, properties,
                reader.readRetainedSliceToEnd());
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP, which share one form: a packet identifier, a reason code, properties. */
    static PublishFlowPacket decodeFlow(PacketType type, BodyReader reader) {
        int packetId = reader.readPacketId(type);
        ReasonCode reasonCode = ReasonCode.SUCCESS;
        MqttProperties properties = MqttProperties.EMPTY;
        if (reader.isV5()) {
            // The reason code may be left out when it is 0x00 and there are no properties (MQTT 5.0 3.4.2.1).
            if (reader.hasRemaining()) {
                reasonCode = reader.readReasonCode(type);
            }
            if (reader.hasRemaining()) {
                properties = PropertiesDecoder.read(reader, type, false);
            }
        }
        return switch (type) {
            case PUBACK -> new PubAck(packetId, reasonCode, properties);
            case PUBREC -> new PubRec(packetId, reasonCode, properties);
            case PUBREL -> new PubRel(packetId, reasonCode, properties);
            case PUBCOMP -> new PubComp(packetId, reasonCode, properties);
            default -> throw new IllegalArgumentException(type + " is not a packet of the PUBLISH flow");
        };
    }
}
