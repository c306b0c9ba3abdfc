package io.midge.codec;

import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;

/**
 * The rules of a fixed header's first byte (MQTT 5.0 section 2.1, 3.1.1 section 2.2): a packet type that is not
 * reserved, in its place in the stream (CONNECT first and only once), sent by a side that may send it, and the
 * flags its type requires, or for PUBLISH flags that are possible.
 */
final class FixedHeaderCheck {
    private FixedHeaderCheck() {
    }

    /**
     * The type of the packet whose fixed header starts with {@code firstByte}, or the rule it breaks.
     *
     * @param server  whether a server reads the stream, so that the packet comes from a client
     * @param version the stream's protocol version; null on a server until CONNECT's protocol level is read
     */
    static PacketType check(int firstByte, boolean server, MqttVersion version) {
        PacketType type = PacketType.ofCode(firstByte >> 4);
        int flags = firstByte & 0x0F;
        if (type == null) {
            throw MqttCodecException.malformed("§2.1.2", "reserved packet type 0");
        }
        if (server && version == null && type != PacketType.CONNECT) {
            throw MqttCodecException.protocolError("MQTT-3.1.0-1", "the first packet is " + type + ", not CONNECT");
        }
        if (server && version != null && type == PacketType.CONNECT) {
            throw MqttCodecException.protocolError("MQTT-3.1.0-2", "a second CONNECT");
        }
        if (type == PacketType.AUTH && version != null && !version.isV5()) {
            throw MqttCodecException.malformed("§2.1.2", "packet type 15 is reserved before MQTT 5.0");
        }
        if (type == PacketType.PUBLISH) {
            int qos = (flags >> 1) & 0x03;
            if (qos == 3) {
                throw MqttCodecException.malformed("MQTT-3.3.1-4", "PUBLISH with QoS 3");
            }
            if (qos == 0 && (flags & 0x08) != 0) {
                // The packet parses; it breaks a rule of the flow: a Protocol Error, not a Malformed Packet.
                throw MqttCodecException.protocolError("MQTT-3.3.1-2", "DUP set on a QoS 0 PUBLISH");
            }
        } else if (flags != type.requiredFlags()) {
            String rule = switch (type) {
                case SUBSCRIBE -> "MQTT-3.8.1-1";
                case UNSUBSCRIBE -> "MQTT-3.10.1-1";
                case PUBREL -> "MQTT-3.6.1-1";
                default -> version != null && !version.isV5() ? "MQTT-2.2.2-1" : "MQTT-2.1.3-1";
            };
            throw MqttCodecException.malformed(rule, type + " with reserved flags " + fourBits(flags) + ", not "
                    + fourBits(type.requiredFlags()));
        }
        // In 3.x only the client sends DISCONNECT (MQTT 3.1.1 table 2.1).
        if (!sentBy(type, !server) || (type == PacketType.DISCONNECT && !server && !version.isV5())) {
            throw MqttCodecException.protocolError("§2.1.2",
                    type + " is never sent by a " + (server ? "client" : "server"));
        }
        return type;
    }

    /** A flags nibble as the specification writes it, four binary digits such as 0010. */
    private static String fourBits(int nibble) {
        // The fifth bit set gives toBinaryString five digits, leading zeros included; the first is dropped.
        return Integer.toBinaryString(0x10 | (nibble & 0x0F)).substring(1);
    }

    /** Whether the given side may send this packet type (MQTT 5.0 table 2-1). */
    private static boolean sentBy(PacketType type, boolean fromServer) {
        return switch (type) {
            case CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ -> !fromServer;
            case CONNACK, SUBACK, UNSUBACK, PINGRESP -> fromServer;
            default -> true;
        };
    }
}
