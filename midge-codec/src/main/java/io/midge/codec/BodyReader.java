package io.midge.codec;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;

/**
 * Reads the fields of one packet's body, which lies in {@code [position, end)} of a buffer. Every read that would
 * cross the end of the packet (or of a property section) is a malformed packet, never an index exception. It knows
 * the stream the packet came in, as the rules of some fields depend on the version and on who sent the packet.
 */
final class BodyReader {
    private final ByteBuf buf;
    private final MqttVersion version;
    private final boolean server;
    private int position;
    private int end;

    /**
     * @param version the stream's protocol version; null while a server reads the CONNECT that tells it
     * @param server  whether a server reads the stream, so that the packet comes from a client
     */
    BodyReader(ByteBuf buf, int position, int end, MqttVersion version, boolean server) {
        this.buf = buf;
        this.version = version;
        this.server = server;
        this.position = position;
        this.end = end;
    }

    /** True when the stream speaks 5.0, whose packets carry properties and reason codes. */
    boolean isV5() {
        return version.isV5();
    }

    /** Whether a server reads the stream: the packet comes from a client. */
    boolean readByServer() {
        return server;
    }

    int position() {
        return position;
    }

    /** Narrows the readable region, for a property section; returns the old end to restore with {@link #end(int)}. */
    int limit(int newEnd) {
        int old = end;
        end = newEnd;
        return old;
    }

    void end(int newEnd) {
        end = newEnd;
    }

    int remaining() {
        return end - position;
    }

    boolean hasRemaining() {
        return position < end;
    }

    private void require(int bytes, String what) {
        if (end - position < bytes) {
            throw MqttCodecException.malformed("§2.1.4", what + " runs past the end of the packet");
        }
    }

    /** The next byte, not read yet; call it only with one remaining. */
    int peekByte() {
        return buf.getByte(position) & 0xFF;
    }

    int readByte(String what) {
        require(1, what);
        return buf.getByte(position++) & 0xFF;
    }

    int readTwoByteInt(String what) {
        require(2, what);
        int value = buf.getUnsignedShort(position);
        position += 2;
        return value;
    }

    long readFourByteInt(String what) {
        require(4, what);
        long value = buf.getUnsignedInt(position);
        position += 4;
        return value;
    }

    /** A Variable Byte Integer: at most four bytes, in the fewest bytes that hold the value (MQTT-1.5.5-1). */
    int readVariableByteInt(String what) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int b = readByte(what);
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i > 0 && b == 0) {
                    throw MqttCodecException.malformed("MQTT-1.5.5-1",
                            what + " is not encoded in the minimum number of bytes");
                }
                return value;
            }
        }
        throw MqttCodecException.malformed("§1.5.5", what + " is longer than four bytes");
    }

    /** A two-byte length prefix; the message is built only when it is missing, as this runs for every field. */
    private int readLength(String what) {
        if (end - position < 2) {
            require(2, what + " length");
        }
        int value = buf.getUnsignedShort(position);
        position += 2;
        return value;
    }

    String readString(String what) {
        int length = readLength(what);
        require(length, what);
        String value = Utf8.decode(buf, position, length, what);
        position += length;
        return value;
    }

    Binary readBinary(String what) {
        int length = readLength(what);
        require(length, what);
        Binary value = Binary.copyOf(buf, position, length);
        position += length;
        return value;
    }

    /** A packet with no body (PINGREQ, PINGRESP, a DISCONNECT before 5.0) must have a Remaining Length of 0. */
    void requireNoBody(PacketType type) {
        if (hasRemaining()) {
            throw MqttCodecException.malformed("§2.1.4", type + " must have a Remaining Length of 0");
        }
    }

    /** A packet identifier, which is never 0 (MQTT 5.0 section 2.2.1, 3.1.1 section 2.3.1). */
    int readPacketId(PacketType type) {
        int packetId = readTwoByteInt("packet identifier");
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

    /** A 5.0 reason code, which must be one that a packet of this type may carry (MQTT 5.0 section 2.4). */
    ReasonCode readReasonCode(PacketType type) {
        int value = readByte(type + " reason code");
        ReasonCode code = ReasonCode.of(type, value);
        if (code == null) {
            throw MqttCodecException.malformed("§2.4", String.format("0x%02X is not a %s reason code", value, type));
        }
        return code;
    }

    /** The rest of the packet as a retained slice sharing the read buffer: no copy of the payload. */
    ByteBuf readRetainedSliceToEnd() {
        ByteBuf slice = buf.retainedSlice(position, end - position);
        position = end;
        return slice;
    }
}
