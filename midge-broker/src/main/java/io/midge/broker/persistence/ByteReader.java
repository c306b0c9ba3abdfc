package io.midge.broker.persistence;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what {@link ByteWriter} wrote. A read past the end means the stored bytes are damaged. */
final class ByteReader {
    private final byte[] bytes;
    private int position;

    ByteReader(byte[] bytes, int position) {
        this.bytes = bytes;
        this.position = position;
    }

    int readByte() {
        need(1);
        return bytes[position++] & 0xFF;
    }

    int readShort() {
        need(2);
        int v = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
        position += 2;
        return v;
    }

    long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (bytes[position++] & 0xFF);
        }
        return v;
    }

    long readVarLong() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("variable-length number longer than 64 bits");
    }

    int readVarInt() {
        long v = readVarLong();
        if (v > Integer.MAX_VALUE) {
            throw new IllegalStateException("number too large: " + v);
        }
        return (int) v;
    }

    String readString() {
        int length = readVarInt();
        need(length);
        String s = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    byte[] readRaw(int length) {
        need(length);
        byte[] raw = Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return raw;
    }

    byte[] readRest() {
        return readRaw(remaining());
    }

    int remaining() {
        return bytes.length - position;
    }

    private void need(int n) {
        if (n < 0 || position + n > bytes.length) {
            throw new IllegalStateException("record ends early: " + n + " more bytes needed at " + position
                    + " of " + bytes.length);
        }
    }
}
