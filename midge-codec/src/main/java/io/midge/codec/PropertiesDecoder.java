package io.midge.codec;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.TopicAliasOnly;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/**
 * Reads an MQTT 5 property section and enforces its rules (MQTT 5.0 section 2.2.2): a known identifier allowed
 * in this packet (malformed otherwise), no repeats but where the property may repeat (protocol error), the section
 * within the packet (malformed), and every value in its range.
 */
final class PropertiesDecoder {
    private static final String[] LENGTH_NAMES = new String[PacketType.values().length];

    static {
        for (PacketType type : PacketType.values()) {
            LENGTH_NAMES[type.ordinal()] = context(type, false) + " length";
        }
    }

    private PropertiesDecoder() {
    }

    private static String context(PacketType packet, boolean will) {
        return will ? "will properties" : packet + " properties";
    }

    /** The property section of a 5.0 packet of this type; none before 5.0, whose packets have no such section. */
    static MqttProperties readIfV5(BodyReader reader, PacketType packet) {
        return reader.isV5() ? read(reader, packet, false) : MqttProperties.EMPTY;
    }

    /** Reads the property length and the properties of a packet of {@code packet} type, or of a will. */
    static MqttProperties read(BodyReader reader, PacketType packet, boolean will) {
        // Names for error messages are made when an error is, or once per type: every 5.0 PUBLISH comes here.
        int length = reader.readVariableByteInt(will ? "will properties length" : LENGTH_NAMES[packet.ordinal()]);
        if (length == 0) {
            return MqttProperties.EMPTY;
        }
        if (length > reader.remaining()) {
            throw MqttCodecException.malformed("§2.2.2.1",
                    "property length " + length + " of " + context(packet, will) + " overruns the packet");
        }
        if (length == 3 && packet == PacketType.PUBLISH && reader.peekByte() == PropertyId.TOPIC_ALIAS.code()) {
            // Only a Topic Alias, as most PUBLISHes on a node's link: the shared instance, nothing built per packet.
            reader.readByte("property identifier");
            return TopicAliasOnly.of((int) checkTwoByte(PropertyId.TOPIC_ALIAS,
                    reader.readTwoByteInt(PropertyId.TOPIC_ALIAS.toString())));
        }
        int sectionEnd = reader.position() + length;
        int packetEnd = reader.limit(sectionEnd);
        MqttProperties.Builder builder = MqttProperties.builder();
        long seen = 0;
        while (reader.hasRemaining()) {
            int code = reader.readVariableByteInt("property identifier");
            PropertyId id = PropertyId.ofCode(code);
            if (id == null) {
                throw MqttCodecException.malformed("§2.2.2.2",
                        String.format("unknown property identifier 0x%02X in %s", code, context(packet, will)));
            }
            if (will ? !id.allowedInWill() : !id.allowedIn(packet)) {
                throw MqttCodecException.malformed("§2.2.2.2", id + " is not allowed in " + context(packet, will));
            }
            long bit = 1L << code;
            if ((seen & bit) != 0 && !id.repeatableIn(will ? PacketType.CONNECT : packet)) {
                throw MqttCodecException.protocolError("§2.2.2.2",
                        id + " appears more than once in " + context(packet, will));
            }
            seen |= bit;
            readValue(reader, builder, id, packet);
        }
        reader.end(packetEnd);
        return builder.build();
    }

    private static void readValue(BodyReader reader, MqttProperties.Builder builder, PropertyId id,
                                  PacketType packet) {
        String what = id.toString();
        switch (id.type()) {
            case BYTE -> builder.add(id, checkByte(id, reader.readByte(what)));
            case TWO_BYTE_INTEGER -> builder.add(id, checkTwoByte(id, reader.readTwoByteInt(what)));
            case FOUR_BYTE_INTEGER -> builder.add(id, checkFourByte(id, reader.readFourByteInt(what)));
            case VARIABLE_BYTE_INTEGER -> builder.add(id, checkVariable(id, packet, reader.readVariableByteInt(what)));
            case UTF8_STRING -> builder.add(id, checkString(id, reader.readString(what)));
            case BINARY_DATA -> builder.add(id, reader.readBinary(what));
            case UTF8_STRING_PAIR -> builder.add(new MqttProperties.Property(id,
                    new UserProperty(reader.readString("user property name"),
                            reader.readString("user property value"))));
        }
    }

    private static long checkByte(PropertyId id, int value) {
        // Every byte property is a boolean or, for Maximum QoS, 0 or 1.
        if (value > 1) {
            throw MqttCodecException.protocolError(ruleFor(id), id + " has the value " + value + "; it must be 0 or 1");
        }
        return value;
    }

    private static long checkTwoByte(PropertyId id, int value) {
        if (value == 0) {
            if (id == PropertyId.RECEIVE_MAXIMUM) {
                throw MqttCodecException.protocolError("§3.1.2.11.3", "Receive Maximum is 0");
            }
            if (id == PropertyId.TOPIC_ALIAS) {
                throw new MqttCodecException(ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8", "Topic Alias is 0");
            }
        }
        return value;
    }

    private static long checkFourByte(PropertyId id, long value) {
        if (id == PropertyId.MAXIMUM_PACKET_SIZE && value == 0) {
            throw MqttCodecException.protocolError("§3.1.2.11.4", "Maximum Packet Size is 0");
        }
        return value;
    }

    private static long checkVariable(PropertyId id, PacketType packet, int value) {
        if (id == PropertyId.SUBSCRIPTION_IDENTIFIER && value == 0) {
            throw MqttCodecException.protocolError(packet == PacketType.PUBLISH ? "§3.3.2.3.8" : "§3.8.2.1.2",
                    "Subscription Identifier is 0");
        }
        return value;
    }

    private static String checkString(PropertyId id, String value) {
        if (id == PropertyId.RESPONSE_TOPIC) {
            String problem = value.isEmpty() ? "Response Topic is empty" : Topics.topicNameProblem(value);
            if (problem != null) {
                throw MqttCodecException.protocolError("MQTT-3.3.2-14", problem);
            }
        }
        return value;
    }

    private static String ruleFor(PropertyId id) {
        return switch (id) {
            case PAYLOAD_FORMAT_INDICATOR -> "§3.3.2.3.2";
            case REQUEST_PROBLEM_INFORMATION -> "§3.1.2.11.7";
            case REQUEST_RESPONSE_INFORMATION -> "§3.1.2.11.6";
            case MAXIMUM_QOS -> "§3.2.2.3.4";
            default -> "§3.2.2.3";
        };
    }
}
