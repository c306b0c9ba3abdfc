package io.midge.codec.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
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
        return new Binary(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of {@code length} bytes at {@code index}, for the decoder: one copy, straight from the buffer. */
    public static Binary copyOf(ByteBuf buf, int index, int length) {
        if (length == 0) {
            return EMPTY;
        }
        byte[] bytes = new byte[length];
        buf.getBytes(index, bytes);
        return new Binary(bytes);
    }

    public int length() {
        return bytes.length;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Appends the bytes to {@code out}, for the encoder: no defensive copy, as the array never leaves. */
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }

    public String toUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
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
