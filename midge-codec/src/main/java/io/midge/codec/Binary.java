package io.midge.codec;

import java.util.Arrays;
import java.util.HexFormat;

/** Immutable binary data (correlation data, authentication data, a password, a will payload) compared by content. */
public final class Binary {
    public static final Binary EMPTY = new Binary(new byte[0]);

    private final byte[] bytes;

    private Binary(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Binary of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Binary(bytes.clone());
    }

    public static Binary utf8(String text) {
        return new Binary(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Takes ownership of an array the caller will not touch again; for decoders that just filled it. */
    static Binary wrap(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Binary(bytes);
    }

    public int length() {
        return bytes.length;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The array itself, for writers inside the codec; never modified. */
    byte[] array() {
        return bytes;
    }

    public String toUtf8() {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Binary other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "0x" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32)) + (bytes.length > 32 ? "..." : "");
    }
}
