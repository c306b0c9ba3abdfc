package io.midge.codec;

import java.util.HexFormat;

/** Test bytes written by hand, as hex, so that the validation tests do not depend on our encoder. */
final class Bytes {
    private Bytes() {
    }

    /**
     * The bytes of a hex string such as {@code "30 05 00 01 74 68 69"}; spaces, line breaks and {@code |} (to set
     * fields apart) are ignored.
     */
    static byte[] hex(String hex) {
        String digits = hex.replaceAll("[\\s|]", "");
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits in: " + hex);
        }
        return HexFormat.of().parseHex(digits);
    }

    /** The bytes as upper-case hex pairs separated by spaces, for messages. */
    static String toHex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
    }
}
