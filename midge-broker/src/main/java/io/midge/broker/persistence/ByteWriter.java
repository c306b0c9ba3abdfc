package io.midge.broker.persistence;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes keys and values into a growing byte array. Integers are big-endian where they are part of a key (so that
 * RocksDB's bytewise order is their numeric order) and variable-length elsewhere (small values take one byte).
 */
final class ByteWriter {
    private byte[] bytes;
    private int size;

    ByteWriter(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    ByteWriter writeByte(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
        return this;
    }

    ByteWriter writeShort(int v) {
        ensure(2);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
        return this;
    }

    ByteWriter writeLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** An unsigned LEB128 number: seven bits per byte, the high bit set on all but the last. */
    ByteWriter writeVarLong(long v) {
        ensure(varLength(v));
        size = writeVar(v, bytes, size);
        return this;
    }

    /** How many bytes {@link #writeVarLong} takes for {@code v}; refuses a negative number. */
    static int varLength(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative: " + v);
        }
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code v} as {@link #writeVarLong} does, into {@code into} at {@code at}; returns where it ends. */
    static int writeVar(long v, byte[] into, int at) {
        while ((v & ~0x7FL) != 0) {
            into[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        into[at++] = (byte) v;
        return at;
    }

    /** A string with its UTF-8 length in front. */
    ByteWriter writeString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(utf8.length);
        return writeRaw(utf8);
    }

    ByteWriter writeRaw(byte[] raw) {
        return writeRaw(raw, 0, raw.length);
    }

    ByteWriter writeRaw(byte[] raw, int offset, int length) {
        ensure(length);
        System.arraycopy(raw, offset, bytes, size, length);
        size += length;
        return this;
    }

    byte[] toByteArray() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
