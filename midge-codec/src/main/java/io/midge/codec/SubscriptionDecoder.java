package io.midge.codec;

import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the packets that add and remove subscriptions, SUBSCRIBE and UNSUBSCRIBE, and their answers, SUBACK and
 * UNSUBACK (MQTT 5.0 sections 3.8 to 3.11), with the rules for topic filters and subscription options.
 */
final class SubscriptionDecoder {
    private SubscriptionDecoder() {
    }

    static Subscribe decodeSubscribe(BodyReader reader) {
        int packetId = reader.readPacketId(PacketType.SUBSCRIBE);
        MqttProperties properties = PropertiesDecoder.readIfV5(reader, PacketType.SUBSCRIBE);
        List<Subscription> subscriptions = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            String filter = readTopicFilter(reader);
            subscriptions.add(readSubscriptionOptions(reader, filter));
        }
        if (subscriptions.isEmpty()) {
            throw MqttCodecException.protocolError(reader.isV5() ? "MQTT-3.8.3-2" : "MQTT-3.8.3-3",
                    "SUBSCRIBE without a topic filter");
        }
        return new Subscribe(packetId, subscriptions, properties);
    }

    private static String readTopicFilter(BodyReader reader) {
        String filter = reader.readString("topic filter");
        boolean v5 = reader.isV5();
        String problem = Topics.topicFilterProblem(filter, v5);
        if (problem != null) {
            // 5.0 numbers the wildcard rules 4.7.1-1 ('#') and 4.7.1-2 ('+'); 3.1.1 numbers them 4.7.1-2 and 4.7.1-3.
            // A share name that is empty breaks 4.8.2-1; one with a wildcard or without a filter after it, 4.8.2-2.
            boolean sharePart = v5 && Topics.isSharedFilter(filter)
                    && (problem.startsWith("shared subscription") || problem.startsWith("share name"));
            String rule = filter.isEmpty() ? "MQTT-4.7.3-1"
                    : sharePart ? (problem.contains("empty share name") ? "MQTT-4.8.2-1" : "MQTT-4.8.2-2")
                    : problem.startsWith("'#'") ? (v5 ? "MQTT-4.7.1-1" : "MQTT-4.7.1-2")
                    : v5 ? "MQTT-4.7.1-2" : "MQTT-4.7.1-3";
            throw new MqttCodecException(ReasonCode.TOPIC_FILTER_INVALID, rule, problem);
        }
        return filter;
    }

    private static Subscription readSubscriptionOptions(BodyReader reader, String filter) {
        int options = reader.readByte("subscription options");
        int qos = options & 0x03;
        boolean v5 = reader.isV5();
        if (!v5) {
            if ((options & 0xFC) != 0) {
                throw MqttCodecException.malformed("MQTT-3.8.3-4", "reserved bits of the requested QoS are set");
            }
        } else if ((options & 0xC0) != 0) {
            throw MqttCodecException.malformed("MQTT-3.8.3-5", "reserved bits of the subscription options are set");
        }
        if (qos == 3) {
            // A protocol error in 5.0 (section 3.8.3.1); malformed under 3.1.1's MQTT-3.8.3-4.
            throw v5 ? MqttCodecException.protocolError("§3.8.3.1", "subscription with QoS 3")
                    : MqttCodecException.malformed("MQTT-3.8.3-4", "subscription with QoS 3");
        }
        boolean noLocal = (options & 0x04) != 0;
        boolean retainAsPublished = (options & 0x08) != 0;
        int retainHandling = (options >> 4) & 0x03;
        if (retainHandling == 3) {
            throw MqttCodecException.protocolError("§3.8.3.1", "Retain Handling 3");
        }
        if (noLocal && Topics.isSharedFilter(filter)) {
            throw MqttCodecException.protocolError("MQTT-3.8.3-4", "No Local on the shared subscription " + filter);
        }
        return new Subscription(filter, qos, noLocal, retainAsPublished, retainHandling);
    }

    static SubAck decodeSubAck(BodyReader reader) {
        int packetId = reader.readPacketId(PacketType.SUBACK);
        MqttProperties properties = PropertiesDecoder.readIfV5(reader, PacketType.SUBACK);
        List<ReasonCode> codes = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            if (reader.isV5()) {
                codes.add(reader.readReasonCode(PacketType.SUBACK));
            } else {
                int value = reader.readByte("SUBACK return code");
                if (value > 2 && value != 0x80) {
                    throw MqttCodecException.malformed("MQTT-3.9.3-2",
                            String.format("0x%02X is not a SUBACK return code", value));
                }
                codes.add(ReasonCode.of(PacketType.SUBACK, value));
            }
        }
        if (codes.isEmpty()) {
            throw MqttCodecException.protocolError("§3.9.3", "SUBACK without a return code");
        }
        return new SubAck(packetId, codes, properties);
    }

    static Unsubscribe decodeUnsubscribe(BodyReader reader) {
        int packetId = reader.readPacketId(PacketType.UNSUBSCRIBE);
        MqttProperties properties = PropertiesDecoder.readIfV5(reader, PacketType.UNSUBSCRIBE);
        List<String> filters = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            filters.add(readTopicFilter(reader));
        }
        if (filters.isEmpty()) {
            throw MqttCodecException.protocolError("MQTT-3.10.3-2", "UNSUBSCRIBE without a topic filter");
        }
        return new Unsubscribe(packetId, filters, properties);
    }

    /** In 3.x UNSUBACK is the packet identifier alone; 5.0 adds properties and one reason code per filter. */
    static UnsubAck decodeUnsubAck(BodyReader reader) {
        int packetId = reader.readPacketId(PacketType.UNSUBACK);
        if (!reader.isV5()) {
            return new UnsubAck(packetId, List.of(), MqttProperties.EMPTY);
        }
        MqttProperties properties = PropertiesDecoder.read(reader, PacketType.UNSUBACK, false);
        List<ReasonCode> codes = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            codes.add(reader.readReasonCode(PacketType.UNSUBACK));
        }
        if (codes.isEmpty()) {
            throw MqttCodecException.protocolError("§3.11.3", "UNSUBACK without a reason code");
        }
        return new UnsubAck(packetId, codes, properties);
    }
}
