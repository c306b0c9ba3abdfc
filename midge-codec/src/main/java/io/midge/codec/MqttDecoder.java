package io.midge.codec;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The strict decoder of one connection's inbound byte stream. It frames packets by their Remaining Length, refuses a
 * packet over the maximum size before its body is buffered, and checks every rule of the packet's form; a broken
 * rule throws {@link MqttCodecException} with the reason code to disconnect with.
 *
 * <p>It is incremental: {@link #decode(ByteBuf)} takes the bytes received so far and returns one packet, or null
 * when the next packet is not complete yet, in which case it consumes nothing. A PUBLISH payload is a retained slice
 * of the input, never a copy.
 *
 * <p>A server-side decoder learns the protocol version from the CONNECT that must come first; a client-side decoder
 * is told it. Each side refuses the packets only the other side may send. Not thread-safe: one per connection.
 */
public final class MqttDecoder {
    /** The largest Remaining Length a four-byte Variable Byte Integer can hold. */
    public static final int MAX_REMAINING_LENGTH = 268_435_455;
    /** The largest packet MQTT can frame: fixed header byte, four length bytes, and the maximum body. */
    public static final int MAX_PACKET_SIZE = MAX_REMAINING_LENGTH + 5;

    private final boolean server;
    private MqttVersion version;
    private int maximumPacketSize;

    private MqttDecoder(boolean server, MqttVersion version, int maximumPacketSize) {
        this.server = server;
        this.version = version;
        setMaximumPacketSize(maximumPacketSize);
    }

    /** A decoder for the packets a client sends to a server; the first must be CONNECT. */
    public static MqttDecoder forServer(int maximumPacketSize) {
        return new MqttDecoder(true, null, maximumPacketSize);
    }

    /** A decoder for the packets a server sends to a client that connected with the given version. */
    public static MqttDecoder forClient(MqttVersion version, int maximumPacketSize) {
        return new MqttDecoder(false, version, maximumPacketSize);
    }

    /** The protocol version of the stream, or null on a server before CONNECT's protocol level was read. */
    public MqttVersion version() {
        return version;
    }

    /** The largest packet accepted, counting the fixed header; larger ones fail with 0x95 Packet too large. */
    public int maximumPacketSize() {
        return maximumPacketSize;
    }

    public void setMaximumPacketSize(int maximumPacketSize) {
        if (maximumPacketSize < 2) {
            throw new IllegalArgumentException("maximum packet size must be at least 2, not " + maximumPacketSize);
        }
        this.maximumPacketSize = Math.min(maximumPacketSize, MAX_PACKET_SIZE);
    }

    /**
     * Decodes the next packet from {@code in}, advancing its reader index past it; returns null, reading nothing,
     * when the packet is not complete yet.
     */
    public MqttPacket decode(ByteBuf in) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        if (available < 2) {
            return null;
        }
        int firstByte = in.getByte(start) & 0xFF;
        int remainingLength = 0;
        int headerLength = 1;
        while (true) {
            if (headerLength > available - 1) {
                return null; // the Remaining Length itself is still incomplete
            }
            int b = in.getByte(start + headerLength) & 0xFF;
            remainingLength |= (b & 0x7F) << (7 * (headerLength - 1));
            headerLength++;
            if ((b & 0x80) == 0) {
                if (headerLength > 2 && b == 0) {
                    throw MqttCodecException.malformed("MQTT-1.5.5-1",
                            "Remaining Length is not encoded in the minimum number of bytes");
                }
                break;
            }
            if (headerLength == 5) {
                throw MqttCodecException.malformed("§2.1.4", "Remaining Length is longer than four bytes");
            }
        }
        long packetSize = (long) headerLength + remainingLength;
        if (packetSize > maximumPacketSize) {
            throw new MqttCodecException(ReasonCode.PACKET_TOO_LARGE, server ? "MQTT-3.2.2-15" : "MQTT-3.1.2-24",
                    "a packet of " + packetSize + " bytes exceeds the maximum packet size of " + maximumPacketSize);
        }
        PacketType type = checkFixedHeader(firstByte);
        if (available < packetSize) {
            return null;
        }
        int bodyStart = start + headerLength;
        int bodyEnd = bodyStart + remainingLength;
        BodyReader reader = new BodyReader(in, bodyStart, bodyEnd);
        MqttPacket packet = decodeBody(type, firstByte & 0x0F, reader);
        in.readerIndex(bodyEnd);
        return packet;
    }

    private PacketType checkFixedHeader(int firstByte) {
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
                throw MqttCodecException.malformed("MQTT-3.3.1-2", "DUP set on a QoS 0 PUBLISH");
            }
        } else if (flags != type.requiredFlags()) {
            String rule = switch (type) {
                case SUBSCRIBE -> "MQTT-3.8.1-1";
                case UNSUBSCRIBE -> "MQTT-3.10.1-1";
                case PUBREL -> "MQTT-3.6.1-1";
                default -> version != null && !version.isV5() ? "MQTT-2.2.2-1" : "MQTT-2.1.3-1";
            };
            throw MqttCodecException.malformed(rule, String.format("%s with reserved flags %4s, not %4s", type,
                    Integer.toBinaryString(flags), Integer.toBinaryString(type.requiredFlags())).replace(' ', '0'));
        }
        // In 3.x only the client sends DISCONNECT (MQTT 3.1.1 table 2.1).
        if (!sentBy(type, !server) || (type == PacketType.DISCONNECT && !server && !version.isV5())) {
            throw MqttCodecException.protocolError("§2.1.2",
                    type + " is never sent by a " + (server ? "client" : "server"));
        }
        return type;
    }

    /** Whether the given side may send this packet type (MQTT 5.0 table 2-1). */
    private static boolean sentBy(PacketType type, boolean fromServer) {
        return switch (type) {
            case CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ -> !fromServer;
            case CONNACK, SUBACK, UNSUBACK, PINGRESP -> fromServer;
            default -> true;
        };
    }

    private MqttPacket decodeBody(PacketType type, int flags, BodyReader reader) {
        MqttPacket packet = switch (type) {
            case CONNECT -> ConnectDecoder.decode(reader, known -> version = known);
            case CONNACK -> decodeConnAck(reader);
            case PUBLISH -> decodePublish(flags, reader);
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> decodePublishFlow(type, reader);
            case SUBSCRIBE -> decodeSubscribe(reader);
            case SUBACK -> decodeSubAck(reader);
            case UNSUBSCRIBE -> decodeUnsubscribe(reader);
            case UNSUBACK -> decodeUnsubAck(reader);
            case PINGREQ -> decodeEmpty(reader, PingReq.INSTANCE);
            case PINGRESP -> decodeEmpty(reader, PingResp.INSTANCE);
            case DISCONNECT -> decodeDisconnect(reader);
            case AUTH -> decodeAuth(reader);
        };
        if (reader.hasRemaining()) {
            if (packet instanceof Publish publish) {
                publish.release();
            }
            throw MqttCodecException.malformed("§2.1.4",
                    type + " has " + reader.remaining() + " bytes beyond its last field");
        }
        return packet;
    }

    private static <T extends MqttPacket> T decodeEmpty(BodyReader reader, T packet) {
        if (reader.hasRemaining()) {
            throw MqttCodecException.malformed("§2.1.4", packet.type() + " must have a Remaining Length of 0");
        }
        return packet;
    }

    private ConnAck decodeConnAck(BodyReader reader) {
        int acknowledgeFlags = reader.readByte("connect acknowledge flags");
        if ((acknowledgeFlags & 0xFE) != 0) {
            // Numbered in 5.0 only; 3.1.1's MQTT-3.2.2-1 is about Session Present.
            throw MqttCodecException.malformed(version.isV5() ? "MQTT-3.2.2-1" : "§3.2.2.1",
                    "reserved connect acknowledge flags are set");
        }
        int code = reader.readByte("connect reason code");
        ReasonCode reasonCode = version.isV5() ? ReasonCode.of(PacketType.CONNACK, code)
                : ReasonCode.ofV3ConnectReturnCode(code);
        if (reasonCode == null) {
            throw MqttCodecException.malformed("§3.2.2.2", String.format("unknown CONNACK code 0x%02X", code));
        }
        MqttProperties properties = version.isV5()
                ? PropertiesDecoder.read(reader, PacketType.CONNACK, false) : MqttProperties.EMPTY;
        return new ConnAck((acknowledgeFlags & 0x01) != 0, reasonCode, properties);
    }

    private Publish decodePublish(int flags, BodyReader reader) {
        int qos = (flags >> 1) & 0x03;
        String topic = reader.readString("topic name");
        String problem = Topics.topicNameProblem(topic);
        if (problem != null) {
            throw new MqttCodecException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2", problem);
        }
        int packetId = qos > 0 ? readPacketId(reader, PacketType.PUBLISH) : 0;
        MqttProperties properties = MqttProperties.EMPTY;
        if (version.isV5()) {
            properties = PropertiesDecoder.read(reader, PacketType.PUBLISH, false);
            if (server && properties.contains(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
                throw MqttCodecException.protocolError("MQTT-3.3.4-6",
                        "a PUBLISH from a client carries a Subscription Identifier");
            }
        }
        if (topic.isEmpty() && !properties.contains(PropertyId.TOPIC_ALIAS)) {
            throw MqttCodecException.protocolError(version.isV5() ? "§3.3.2.1" : "MQTT-4.7.3-1",
                    "empty topic name without a Topic Alias");
        }
        return new Publish(topic, qos, (flags & 0x01) != 0, (flags & 0x08) != 0, packetId, properties,
                reader.readRetainedSliceToEnd());
    }

    private int readPacketId(BodyReader reader, PacketType type) {
        int packetId = reader.readTwoByteInt("packet identifier");
        if (packetId == 0) {
            throw MqttCodecException.protocolError(zeroPacketIdRule(type), type + " with packet identifier 0");
        }
        return packetId;
    }

    /**
     * The statement a packet identifier of 0 breaks. 5.0: a client's PUBLISH, SUBSCRIBE, UNSUBSCRIBE 2.2.1-3, a
     * server's PUBLISH 2.2.1-4, the PUBLISH flow 2.2.1-5, SUBACK and UNSUBACK 2.2.1-6. 3.1.1: 2.3.1-1, -6 and -7.
     */
    private String zeroPacketIdRule(PacketType type) {
        return switch (type) {
            case PUBLISH, SUBSCRIBE, UNSUBSCRIBE -> !version.isV5() ? "MQTT-2.3.1-1"
                    : server ? "MQTT-2.2.1-3" : "MQTT-2.2.1-4";
            case SUBACK, UNSUBACK -> version.isV5() ? "MQTT-2.2.1-6" : "MQTT-2.3.1-7";
            default -> version.isV5() ? "MQTT-2.2.1-5" : "MQTT-2.3.1-6";
        };
    }

    private MqttPacket decodePublishFlow(PacketType type, BodyReader reader) {
        int packetId = readPacketId(reader, type);
        ReasonCode reasonCode = ReasonCode.SUCCESS;
        MqttProperties properties = MqttProperties.EMPTY;
        if (version.isV5()) {
            // The reason code may be left out when it is 0x00 and there are no properties (MQTT 5.0 3.4.2.1).
            if (reader.hasRemaining()) {
                reasonCode = readReasonCode(reader, type);
            }
            if (reader.hasRemaining()) {
                properties = PropertiesDecoder.read(reader, type, false);
            }
        }
        return switch (type) {
            case PUBACK -> new PubAck(packetId, reasonCode, properties);
            case PUBREC -> new PubRec(packetId, reasonCode, properties);
            case PUBREL -> new PubRel(packetId, reasonCode, properties);
            default -> new PubComp(packetId, reasonCode, properties);
        };
    }

    private static ReasonCode readReasonCode(BodyReader reader, PacketType type) {
        int value = reader.readByte(type + " reason code");
        ReasonCode code = ReasonCode.of(type, value);
        if (code == null) {
            throw MqttCodecException.malformed("§2.4", String.format("0x%02X is not a %s reason code", value, type));
        }
        return code;
    }

    private Subscribe decodeSubscribe(BodyReader reader) {
        int packetId = readPacketId(reader, PacketType.SUBSCRIBE);
        MqttProperties properties = version.isV5()
                ? PropertiesDecoder.read(reader, PacketType.SUBSCRIBE, false) : MqttProperties.EMPTY;
        List<Subscription> subscriptions = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            String filter = readTopicFilter(reader);
            subscriptions.add(readSubscriptionOptions(reader, filter));
        }
        if (subscriptions.isEmpty()) {
            throw MqttCodecException.protocolError(version.isV5() ? "MQTT-3.8.3-2" : "MQTT-3.8.3-3",
                    "SUBSCRIBE without a topic filter");
        }
        return new Subscribe(packetId, subscriptions, properties);
    }

    private String readTopicFilter(BodyReader reader) {
        String filter = reader.readString("topic filter");
        String problem = Topics.topicFilterProblem(filter, version.isV5());
        if (problem != null) {
            // 5.0 numbers the wildcard rules 4.7.1-1 ('#') and 4.7.1-2 ('+'); 3.1.1 numbers them 4.7.1-2 and 4.7.1-3.
            // A share name that is empty breaks 4.8.2-1; one with a wildcard or without a filter after it, 4.8.2-2.
            boolean sharePart = version.isV5() && Topics.isSharedFilter(filter)
                    && (problem.startsWith("shared subscription") || problem.startsWith("share name"));
            String rule = filter.isEmpty() ? "MQTT-4.7.3-1"
                    : sharePart ? (problem.contains("empty share name") ? "MQTT-4.8.2-1" : "MQTT-4.8.2-2")
                    : problem.startsWith("'#'") ? (version.isV5() ? "MQTT-4.7.1-1" : "MQTT-4.7.1-2")
                    : version.isV5() ? "MQTT-4.7.1-2" : "MQTT-4.7.1-3";
            throw new MqttCodecException(ReasonCode.TOPIC_FILTER_INVALID, rule, problem);
        }
        return filter;
    }

    private Subscription readSubscriptionOptions(BodyReader reader, String filter) {
        int options = reader.readByte("subscription options");
        int qos = options & 0x03;
        if (!version.isV5()) {
            if ((options & 0xFC) != 0) {
                throw MqttCodecException.malformed("MQTT-3.8.3-4", "reserved bits of the requested QoS are set");
            }
        } else if ((options & 0xC0) != 0) {
            throw MqttCodecException.malformed("MQTT-3.8.3-5", "reserved bits of the subscription options are set");
        }
        if (qos == 3) {
            // A protocol error in 5.0 (section 3.8.3.1); malformed under 3.1.1's MQTT-3.8.3-4.
            throw version.isV5() ? MqttCodecException.protocolError("§3.8.3.1", "subscription with QoS 3")
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

    private SubAck decodeSubAck(BodyReader reader) {
        int packetId = readPacketId(reader, PacketType.SUBACK);
        MqttProperties properties = version.isV5()
                ? PropertiesDecoder.read(reader, PacketType.SUBACK, false) : MqttProperties.EMPTY;
        List<ReasonCode> codes = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            if (version.isV5()) {
                codes.add(readReasonCode(reader, PacketType.SUBACK));
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

    private Unsubscribe decodeUnsubscribe(BodyReader reader) {
        int packetId = readPacketId(reader, PacketType.UNSUBSCRIBE);
        MqttProperties properties = version.isV5()
                ? PropertiesDecoder.read(reader, PacketType.UNSUBSCRIBE, false) : MqttProperties.EMPTY;
        List<String> filters = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            filters.add(readTopicFilter(reader));
        }
        if (filters.isEmpty()) {
            throw MqttCodecException.protocolError("MQTT-3.10.3-2", "UNSUBSCRIBE without a topic filter");
        }
        return new Unsubscribe(packetId, filters, properties);
    }

    private UnsubAck decodeUnsubAck(BodyReader reader) {
        int packetId = readPacketId(reader, PacketType.UNSUBACK);
        if (!version.isV5()) {
            return new UnsubAck(packetId, List.of(), MqttProperties.EMPTY);
        }
        MqttProperties properties = PropertiesDecoder.read(reader, PacketType.UNSUBACK, false);
        List<ReasonCode> codes = new ArrayList<>(1);
        while (reader.hasRemaining()) {
            codes.add(readReasonCode(reader, PacketType.UNSUBACK));
        }
        if (codes.isEmpty()) {
            throw MqttCodecException.protocolError("§3.11.3", "UNSUBACK without a reason code");
        }
        return new UnsubAck(packetId, codes, properties);
    }

    private Disconnect decodeDisconnect(BodyReader reader) {
        if (!version.isV5() || !reader.hasRemaining()) {
            return decodeEmpty(reader, Disconnect.NORMAL);
        }
        ReasonCode reasonCode = readReasonCode(reader, PacketType.DISCONNECT);
        MqttProperties properties = reader.hasRemaining()
                ? PropertiesDecoder.read(reader, PacketType.DISCONNECT, false) : MqttProperties.EMPTY;
        return new Disconnect(reasonCode, properties);
    }

    private Auth decodeAuth(BodyReader reader) {
        if (!reader.hasRemaining()) {
            return new Auth(ReasonCode.SUCCESS, MqttProperties.EMPTY);
        }
        ReasonCode reasonCode = readReasonCode(reader, PacketType.AUTH);
        MqttProperties properties = reader.hasRemaining()
                ? PropertiesDecoder.read(reader, PacketType.AUTH, false) : MqttProperties.EMPTY;
        return new Auth(reasonCode, properties);
    }
}
