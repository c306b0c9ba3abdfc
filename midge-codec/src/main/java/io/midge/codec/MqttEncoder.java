package io.midge.codec;

import static io.midge.codec.FieldEncoder.propertiesSize;
import static io.midge.codec.FieldEncoder.stringSize;
import static io.midge.codec.FieldEncoder.variableByteIntSize;
import static io.midge.codec.FieldEncoder.writeBinary;
import static io.midge.codec.FieldEncoder.writeProperties;
import static io.midge.codec.FieldEncoder.writeString;
import static io.midge.codec.FieldEncoder.writeVariableByteInt;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Writes packets in the form of one protocol version, always in the shortest form the version allows. What a
 * version cannot carry (properties and reason codes before 5.0) is left out; 3.x codes are mapped to their
 * return codes. The caller keeps its reference to the packet: a large PUBLISH payload is shared with the returned
 * buffer (one more reference, no copy), a small one copied next to the header, which is cheaper than a composite.
 */
public final class MqttEncoder {
    /** Payloads at least this long are shared rather than copied. */
    private static final int SHARE_PAYLOAD_FROM = 1024;

    private MqttEncoder() {
    }

    /** The whole encoded packet, fixed header included; compare it with a peer's Maximum Packet Size. */
    public static int encodedSize(MqttPacket packet, MqttVersion version) {
        int remaining = remainingLength(packet, packet.type(), version);
        return 1 + variableByteIntSize(remaining) + remaining;
    }

    public static ByteBuf encode(ByteBufAllocator alloc, MqttPacket packet, MqttVersion version) {
        PacketType type = packet.type();
        if (type == PacketType.AUTH && !version.isV5()) {
            throw new IllegalArgumentException("AUTH exists only in MQTT 5.0");
        }
        int remaining = remainingLength(packet, type, version);
        if (remaining > MqttDecoder.MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("packet too large for MQTT: " + remaining + " bytes");
        }
        int headerSize = 1 + variableByteIntSize(remaining);
        if (packet instanceof Publish publish && publish.payload().readableBytes() >= SHARE_PAYLOAD_FROM) {
            int payloadSize = publish.payload().readableBytes();
            ByteBuf head = alloc.buffer(headerSize + remaining - payloadSize);
            writeFixedHeader(head, packet, type, remaining);
            writePublishHeader(head, publish, version);
            CompositeByteBuf composite = alloc.compositeBuffer(2);
            composite.addComponent(true, head);
            composite.addComponent(true, publish.payload().retainedDuplicate());
            return composite;
        }
        ByteBuf out = alloc.buffer(headerSize + remaining);
        writeFixedHeader(out, packet, type, remaining);
        writeBody(out, packet, type, version);
        return out;
    }

    /**
     * Whether {@link #encode} shares the packet's payload rather than copying it (a PUBLISH with a large payload):
     * such a packet is written on its own, not appended with {@link #encodeInto}.
     */
    public static boolean sharesPayload(MqttPacket packet) {
        return packet instanceof Publish publish && publish.payload().readableBytes() >= SHARE_PAYLOAD_FROM;
    }

    /**
     * Appends the packet to {@code out} (which grows as needed), its payload copied whatever its size, and returns
     * the bytes written: for a connection that gathers the small packets of one flush in one buffer. The caller keeps
     * its reference to the packet.
     */
    public static int encodeInto(ByteBuf out, MqttPacket packet, MqttVersion version) {
        PacketType type = packet.type();
        if (type == PacketType.AUTH && !version.isV5()) {
            throw new IllegalArgumentException("AUTH exists only in MQTT 5.0");
        }
        int remaining = remainingLength(packet, type, version);
        if (remaining > MqttDecoder.MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("packet too large for MQTT: " + remaining + " bytes");
        }
        int size = 1 + variableByteIntSize(remaining) + remaining;
        out.ensureWritable(size);
        writeFixedHeader(out, packet, type, remaining);
        writeBody(out, packet, type, version);
        return size;
    }

    private static void writeFixedHeader(ByteBuf out, MqttPacket packet, PacketType type, int remaining) {
        int flags = type.requiredFlags();
        if (packet instanceof Publish p) {
            flags = (p.dup() ? 0x08 : 0) | (p.qos() << 1) | (p.retainFlag() ? 0x01 : 0);
        }
        out.writeByte(type.code() << 4 | flags);
        writeVariableByteInt(out, remaining);
    }

    // Both dispatches switch on the packet's type, as Java 17 has no pattern matching in switch. Each type belongs
    // to exactly one record, so the casts cannot fail; remainingLength, a switch expression, does not compile
    // without a case for every type, and a packet writeBody missed would fail the round-trip tests' size check.

    private static int remainingLength(MqttPacket packet, PacketType type, MqttVersion version) {
        boolean v5 = version.isV5();
        return switch (type) {
            case CONNECT -> connectLength((Connect) packet, version);
            case CONNACK -> 2 + (v5 ? propertiesSize(((ConnAck) packet).properties()) : 0);
            case PUBLISH -> publishLength((Publish) packet, v5);
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> 2 + (v5 ? reasonAndPropertiesSize((PublishFlowPacket) packet) : 0);
            case SUBSCRIBE -> subscribeLength((Subscribe) packet, v5);
            case SUBACK -> subAckLength((SubAck) packet, v5);
            case UNSUBSCRIBE -> unsubscribeLength((Unsubscribe) packet, v5);
            case UNSUBACK -> unsubAckLength((UnsubAck) packet, v5);
            case PINGREQ, PINGRESP -> 0;
            case DISCONNECT -> v5 ? reasonAndPropertiesSize((Disconnect) packet) : 0;
            case AUTH -> reasonAndPropertiesSize((Auth) packet);
        };
    }

    private static int publishLength(Publish p, boolean v5) {
        return stringSize(p.topic()) + (p.qos() > 0 ? 2 : 0) + (v5 ? propertiesSize(p.properties()) : 0)
                + p.payload().readableBytes();
    }

    private static int subscribeLength(Subscribe s, boolean v5) {
        int size = 2 + (v5 ? propertiesSize(s.properties()) : 0);
        for (Subscription sub : s.subscriptions()) {
            size += stringSize(sub.topicFilter()) + 1;
        }
        return size;
    }

    private static int subAckLength(SubAck s, boolean v5) {
        return 2 + (v5 ? propertiesSize(s.properties()) : 0) + s.reasonCodes().size();
    }

    private static int unsubscribeLength(Unsubscribe u, boolean v5) {
        int size = 2 + (v5 ? propertiesSize(u.properties()) : 0);
        for (String filter : u.topicFilters()) {
            size += stringSize(filter);
        }
        return size;
    }

    private static int unsubAckLength(UnsubAck u, boolean v5) {
        return 2 + (v5 ? propertiesSize(u.properties()) + u.reasonCodes().size() : 0);
    }

    private static int reasonAndPropertiesSize(PublishFlowPacket f) {
        return reasonAndPropertiesSize(f.reasonCode(), f.properties());
    }

    private static int reasonAndPropertiesSize(Disconnect d) {
        return reasonAndPropertiesSize(d.reasonCode(), d.properties());
    }

    private static int reasonAndPropertiesSize(Auth a) {
        return reasonAndPropertiesSize(a.reasonCode(), a.properties());
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

    /**
     * Copies the payload to the end of {@code out}. Read from the payload rather than written into {@code out}: a
     * payload is usually a slice of the buffer it was read into, and the allocator's buffers copy a slice written
     * into them through a new NIO buffer per message, where a slice read from goes down to a plain memory copy.
     */
    private static void copyPayload(ByteBuf out, ByteBuf payload) {
        int length = payload.readableBytes();
        out.ensureWritable(length);
        payload.getBytes(payload.readerIndex(), out, out.writerIndex(), length);
        out.writerIndex(out.writerIndex() + length);
    }

    private static void writeBody(ByteBuf out, MqttPacket packet, PacketType type, MqttVersion version) {
        boolean v5 = version.isV5();
        switch (type) {
            case CONNECT -> writeConnect(out, (Connect) packet, version);
            case CONNACK -> writeConnAck(out, (ConnAck) packet, v5);
            case PUBLISH -> {
                Publish p = (Publish) packet;
                writePublishHeader(out, p, version);
                copyPayload(out, p.payload());
            }
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> {
                PublishFlowPacket f = (PublishFlowPacket) packet;
                out.writeShort(f.packetId());
                if (v5) {
                    writeReasonAndProperties(out, f.reasonCode(), f.properties());
                }
            }
            case SUBSCRIBE -> writeSubscribe(out, (Subscribe) packet, v5);
            case SUBACK -> writeSubAck(out, (SubAck) packet, v5);
            case UNSUBSCRIBE -> writeUnsubscribe(out, (Unsubscribe) packet, v5);
            case UNSUBACK -> writeUnsubAck(out, (UnsubAck) packet, v5);
            case PINGREQ, PINGRESP -> {
                // No variable header, no payload.
            }
            case DISCONNECT -> {
                if (v5) {
                    Disconnect d = (Disconnect) packet;
                    writeReasonAndProperties(out, d.reasonCode(), d.properties());
                }
            }
            case AUTH -> {
                Auth a = (Auth) packet;
                writeReasonAndProperties(out, a.reasonCode(), a.properties());
            }
        }
    }

    private static void writeConnAck(ByteBuf out, ConnAck c, boolean v5) {
        out.writeByte(c.sessionPresent() ? 1 : 0);
        out.writeByte(v5 ? c.reasonCode().value() : c.reasonCode().v3ConnectReturnCode());
        if (v5) {
            writeProperties(out, c.properties());
        }
    }

    private static void writeSubscribe(ByteBuf out, Subscribe s, boolean v5) {
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

    private static void writeSubAck(ByteBuf out, SubAck s, boolean v5) {
        out.writeShort(s.packetId());
        if (v5) {
            writeProperties(out, s.properties());
        }
        for (ReasonCode code : s.reasonCodes()) {
            // 3.x knows only the granted QoS and 0x80 Failure.
            out.writeByte(v5 || !code.isError() ? code.value() : 0x80);
        }
    }

    private static void writeUnsubscribe(ByteBuf out, Unsubscribe u, boolean v5) {
        out.writeShort(u.packetId());
        if (v5) {
            writeProperties(out, u.properties());
        }
        for (String filter : u.topicFilters()) {
            writeString(out, filter);
        }
    }

    private static void writeUnsubAck(ByteBuf out, UnsubAck u, boolean v5) {
        out.writeShort(u.packetId());
        if (v5) {
            writeProperties(out, u.properties());
            for (ReasonCode code : u.reasonCodes()) {
                out.writeByte(code.value());
            }
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
}
