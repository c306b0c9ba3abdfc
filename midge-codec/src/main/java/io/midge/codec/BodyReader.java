package io.midge.codec;

import io.midge.codec.protocol.Binary;
import io.netty.buffer.ByteBuf;

/**
 * Reads the fields of one packet's body, which lies in {@code [position, end)} of a buffer. Every read that would
 * cross the end of the packet (or of a property section) is a malformed packet, never an index exception.
 */
final class BodyReader {
    private final ByteBuf buf;
    private int position;
    private int end;

    BodyReader(ByteBuf buf, int position, int end) {
        this.buf = buf;
        this.position = position;
        this.end = end;
    }

    ByteBuf buffer() {
        return buf;
    }

    int position() {
        return position;
    }

    int end() {
        return end;
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

    /** The rest of the packet as a retained slice sharing the read buffer: no copy of the payload. */
    ByteBuf readRetainedSliceToEnd() {
        ByteBuf slice = buf.retainedSlice(position, end - position);
        position = end;
        return slice;
    }
}
