package io.midge.codec;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;

/**
 * Writes packets in the form of one protocol version, always in the shortest form the version allows. What a
 * version cannot carry (properties and reason codes before 5.0) is left out; 3.x codes are mapped to their
 * return codes. The caller keeps its reference to the packet: a large PUBLISH payload is shared with the returned
 * buffer (one more reference, no copy), a small one copied next to the header, which is cheaper than a composite.
 */
public final class MqttEncoder {
    /** Payloads at least this long are shared rather than copied. */
    static final int SHARE_PAYLOAD_FROM = 1024;

    private MqttEncoder() {
    }

    /** The whole encoded packet, fixed header included; compare it with a peer's Maximum Packet Size. */
    public static int encodedSize(MqttPacket packet, MqttVersion version) {
        int remaining = remainingLength(packet, version);
        return 1 + variableByteIntSize(remaining) + remaining;
    }

    public static ByteBuf encode(ByteBufAllocator alloc, MqttPacket packet, MqttVersion version) {
        if (packet instanceof Auth && !version.isV5()) {
            throw new IllegalArgumentException("AUTH exists only in MQTT 5.0");
        }
        int remaining = remainingLength(packet, version);
        if (remaining > MqttDecoder.MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("packet too large for MQTT: " + remaining + " bytes");
        }
        int headerSize = 1 + variableByteIntSize(remaining);
        if (packet instanceof Publish publish && publish.payload().readableBytes() >= SHARE_PAYLOAD_FROM) {
            int payloadSize = publish.payload().readableBytes();
            ByteBuf head = alloc.buffer(headerSize + remaining - payloadSize);
            writeFixedHeader(head, packet, remaining);
            writePublishHeader(head, publish, version);
            CompositeByteBuf composite = alloc.compositeBuffer(2);
            composite.addComponent(true, head);
            composite.addComponent(true, publish.payload().retainedDuplicate());
            return composite;
        }
        ByteBuf out = alloc.buffer(headerSize + remaining);
        writeFixedHeader(out, packet, remaining);
        writeBody(out, packet, version);
        return out;
    }

    private static void writeFixedHeader(ByteBuf out, MqttPacket packet, int remaining) {
        int flags = packet.type().requiredFlags();
        if (packet instanceof Publish p) {
            flags = (p.dup() ? 0x08 : 0) | (p.qos() << 1) | (p.retainFlag() ? 0x01 : 0);
        }
        out.writeByte(packet.type().code() << 4 | flags);
        writeVariableByteInt(out, remaining);
    }

    private static int remainingLength(MqttPacket packet, MqttVersion version) {
        boolean v5 = version.isV5();
        return switch (packet) {
            case Connect c -> connectLength(c, version);
            case ConnAck c -> 2 + (v5 ? propertiesSize(c.properties()) : 0);
            case Publish p -> stringSize(p.topic()) + (p.qos() > 0 ? 2 : 0)
                    + (v5 ? propertiesSize(p.properties()) : 0) + p.payload().readableBytes();
            case PublishFlowPacket f -> 2 + (v5 ? reasonAndPropertiesSize(f.reasonCode(), f.properties()) : 0);
            case Subscribe s -> {
                int size = 2 + (v5 ? propertiesSize(s.properties()) : 0);
                for (Subscription sub : s.subscriptions()) {
                    size += stringSize(sub.topicFilter()) + 1;
                }
                yield size;
            }
            case SubAck s -> 2 + (v5 ? propertiesSize(s.properties()) : 0) + s.reasonCodes().size();
            case Unsubscribe u -> {
                int size = 2 + (v5 ? propertiesSize(u.properties()) : 0);
                for (String filter : u.topicFilters()) {
                    size += stringSize(filter);
                }
                yield size;
            }
            case UnsubAck u -> 2 + (v5 ? propertiesSize(u.properties()) + u.reasonCodes().size() : 0);
            case PingReq p -> 0;
            case PingResp p -> 0;
            case Disconnect d -> v5 ? reasonAndPropertiesSize(d.reasonCode(), d.properties()) : 0;
            case Auth a -> reasonAndPropertiesSize(a.reasonCode(), a.properties());
        };
    }

    /** The short forms of 5.0: nothing for success without properties, the code alone without properties. */
    private static int reasonAndPropertiesSize(ReasonCode code, MqttProperties properties) {
        if (properties.isEmpty()) {
            return code.value() == 0 ? 0 : 1;
        }
        return 1 + propertiesSize(properties);
    }

    private static int connectLength(Connect c, MqttVersion version) {
        int size = stringSize(version.protocolName()) + 1 + 1 + 2;
        if (version.isV5()) {
            size += propertiesSize(c.properties());
        }
        size += stringSize(c.clientId());
        Will will = c.will();
        if (will != null) {
            if (version.isV5()) {
                size += propertiesSize(will.properties());
            }
            size += stringSize(will.topic()) + 2 + will.payload().length();
        }
        if (c.username() != null) {
            size += stringSize(c.username());
        }
        if (c.password() != null) {
            size += 2 + c.password().length();
        }
        return size;
    }

    private static void writeBody(ByteBuf out, MqttPacket packet, MqttVersion version) {
        boolean v5 = version.isV5();
        switch (packet) {
            case Connect c -> writeConnect(out, c, version);
            case ConnAck c -> {
                out.writeByte(c.sessionPresent() ? 1 : 0);
                out.writeByte(v5 ? c.reasonCode().value() : c.reasonCode().v3ConnectReturnCode());
                if (v5) {
                    writeProperties(out, c.properties());
                }
            }
            case Publish p -> {
                writePublishHeader(out, p, version);
                out.writeBytes(p.payload(), p.payload().readerIndex(), p.payload().readableBytes());
            }
            case PublishFlowPacket f -> {
                out.writeShort(f.packetId());
                if (v5) {
                    writeReasonAndProperties(out, f.reasonCode(), f.properties());
                }
            }
            case Subscribe s -> {
                out.writeShort(s.packetId());
                if (v5) {
                    writeProperties(out, s.properties());
                }
                for (Subscription sub : s.subscriptions()) {
                    writeString(out, sub.topicFilter());
                    int options = sub.qos();
                    if (v5) {
                        options |= (sub.noLocal() ? 0x04 : 0) | (sub.retainAsPublished() ? 0x08 : 0)
                                | sub.retainHandling() << 4;
                    }
                    out.writeByte(options);
                }
            }
            case SubAck s -> {
                out.writeShort(s.packetId());
                if (v5) {
                    writeProperties(out, s.properties());
                }
                for (ReasonCode code : s.reasonCodes()) {
                    // 3.x knows only the granted QoS and 0x80 Failure.
                    out.writeByte(v5 || !code.isError() ? code.value() : 0x80);
                }
            }
            case Unsubscribe u -> {
                out.writeShort(u.packetId());
                if (v5) {
                    writeProperties(out, u.properties());
                }
                for (String filter : u.topicFilters()) {
                    writeString(out, filter);
                }
            }
            case UnsubAck u -> {
                out.writeShort(u.packetId());
                if (v5) {
                    writeProperties(out, u.properties());
                    for (ReasonCode code : u.reasonCodes()) {
                        out.writeByte(code.value());
                    }
                }
            }
            case PingReq p -> {
            }
            case PingResp p -> {
            }
            case Disconnect d -> {
                if (v5) {
                    writeReasonAndProperties(out, d.reasonCode(), d.properties());
                }
            }
            case Auth a -> writeReasonAndProperties(out, a.reasonCode(), a.properties());
        }
    }

    private static void writeReasonAndProperties(ByteBuf out, ReasonCode code, MqttProperties properties) {
        if (properties.isEmpty()) {
            if (code.value() != 0) {
                out.writeByte(code.value());
            }
            return;
        }
        out.writeByte(code.value());
        writeProperties(out, properties);
    }

    private static void writePublishHeader(ByteBuf out, Publish p, MqttVersion version) {
        writeString(out, p.topic());
        if (p.qos() > 0) {
            out.writeShort(p.packetId());
        }
        if (version.isV5()) {
            writeProperties(out, p.properties());
        }
    }

    private static void writeConnect(ByteBuf out, Connect c, MqttVersion version) {
        writeString(out, version.protocolName());
        out.writeByte(version.level());
        Will will = c.will();
        int flags = (c.cleanStart() ? 0x02 : 0)
                | (will != null ? 0x04 | will.qos() << 3 | (will.retain() ? 0x20 : 0) : 0)
                | (c.password() != null ? 0x40 : 0)
                | (c.username() != null ? 0x80 : 0);
        out.writeByte(flags);
        out.writeShort(c.keepAlive());
        if (version.isV5()) {
            writeProperties(out, c.properties());
        }
        writeString(out, c.clientId());
        if (will != null) {
            if (version.isV5()) {
                writeProperties(out, will.properties());
            }
            writeString(out, will.topic());
            writeBinary(out, will.payload());
        }
        if (c.username() != null) {
            writeString(out, c.username());
        }
        if (c.password() != null) {
            writeBinary(out, c.password());
        }
    }

    // ---- properties and primitive fields

    /** The property section, its Variable Byte Integer length included. */
    static int propertiesSize(MqttProperties properties) {
        int length = propertiesLength(properties);
        return variableByteIntSize(length) + length;
    }

    private static int propertiesLength(MqttProperties properties) {
        int length = 0;
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            length += 1 + switch (p.id().type()) {
                case BYTE -> 1;
                case TWO_BYTE_INTEGER -> 2;
                case FOUR_BYTE_INTEGER -> 4;
                case VARIABLE_BYTE_INTEGER -> variableByteIntSize((int) (long) (Long) p.value());
                case UTF8_STRING -> stringSize((String) p.value());
                case BINARY_DATA -> 2 + ((Binary) p.value()).length();
                case UTF8_STRING_PAIR -> {
                    UserProperty pair = (UserProperty) p.value();
                    yield stringSize(pair.name()) + stringSize(pair.value());
                }
            };
        }
        return length;
    }

    private static void writeProperties(ByteBuf out, MqttProperties properties) {
        writeVariableByteInt(out, propertiesLength(properties));
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            out.writeByte(p.id().code());
            Object value = p.value();
            switch (p.id().type()) {
                case BYTE -> out.writeByte((int) (long) (Long) value);
                case TWO_BYTE_INTEGER -> out.writeShort((int) (long) (Long) value);
                case FOUR_BYTE_INTEGER -> out.writeInt((int) (long) (Long) value);
                case VARIABLE_BYTE_INTEGER -> writeVariableByteInt(out, (int) (long) (Long) value);
                case UTF8_STRING -> writeString(out, (String) value);
                case BINARY_DATA -> writeBinary(out, (Binary) value);
                case UTF8_STRING_PAIR -> {
                    writeString(out, ((UserProperty) value).name());
                    writeString(out, ((UserProperty) value).value());
                }
            }
        }
    }

    static int variableByteIntSize(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    private static void writeVariableByteInt(ByteBuf out, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            out.writeByte(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }

    private static int stringSize(String s) {
        int bytes = ByteBufUtil.utf8Bytes(s);
        if (bytes > 0xFFFF) {
            throw new IllegalArgumentException("string longer than 65535 bytes in UTF-8");
        }
        return 2 + bytes;
    }

    private static void writeString(ByteBuf out, String s) {
        // Reserving the exact length keeps the exactly-sized buffer from being enlarged (writeUtf8 alone reserves
        // three bytes per character).
        int length = ByteBufUtil.utf8Bytes(s);
        out.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(out, s, length);
    }

    private static void writeBinary(ByteBuf out, Binary data) {
        if (data.length() > 0xFFFF) {
            throw new IllegalArgumentException("binary data longer than 65535 bytes");
        }
        out.writeShort(data.length());
        data.writeTo(out);
    }
}
