package io.midge.codec;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Strict decoding of MQTT UTF-8 strings: well-formed UTF-8 as RFC 3629 defines it (no overlong forms, no encoded
 * surrogates U+D800-U+DFFF, nothing above U+10FFFF) and no U+0000 (MQTT 5.0 section 1.5.4). Public for the
 * broker, which checks payloads marked as UTF-8 by their Payload Format Indicator.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** Decodes {@code length} bytes at {@code index} or throws the malformed-packet error naming {@code what}. */
    static String decode(ByteBuf buf, int index, int length, String what) {
        int end = index + length;
        boolean ascii = true;
        for (int i = index; i < end; i++) {
            int b = buf.getByte(i) & 0xFF;
            if (b < 0x80) {
                if (b == 0) {
                    throw MqttCodecException.malformed("MQTT-1.5.4-2", what + " contains U+0000");
                }
                continue;
            }
            ascii = false;
            i = checkSequence(buf, i, end, b, what);
        }
        return ascii ? buf.toString(index, length, StandardCharsets.US_ASCII)
                : buf.toString(index, length, StandardCharsets.UTF_8);
    }

    /** Checks the multi-byte sequence that starts at {@code i} with lead byte {@code lead}; returns its last index. */
    private static int checkSequence(ByteBuf buf, int i, int end, int lead, String what) {
        int continuation;
        int secondMin = 0x80;
        int secondMax = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            continuation = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            continuation = 2;
            if (lead == 0xE0) {
                secondMin = 0xA0; // below is an overlong form
            } else if (lead == 0xED) {
                secondMax = 0x9F; // above are the UTF-16 surrogates
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            continuation = 3;
            if (lead == 0xF0) {
                secondMin = 0x90; // below is an overlong form
            } else if (lead == 0xF4) {
                secondMax = 0x8F; // above is beyond U+10FFFF
            }
        } else {
            throw invalid(what, lead >= 0x80 && lead <= 0xBF ? "a stray continuation byte"
                    : lead == 0xC0 || lead == 0xC1 ? "an overlong encoding" : "an invalid lead byte");
        }
        if (i + continuation >= end) {
            throw invalid(what, "a truncated sequence");
        }
        int second = buf.getByte(i + 1) & 0xFF;
        if (second < secondMin || second > secondMax) {
            throw invalid(what, lead == 0xED && second >= 0xA0 ? "an encoded UTF-16 surrogate"
                    : (lead == 0xE0 || lead == 0xF0) && second >= 0x80 && second < secondMin
                    ? "an overlong encoding" : "an invalid continuation byte");
        }
        for (int k = 2; k <= continuation; k++) {
            int b = buf.getByte(i + k) & 0xFF;
            if (b < 0x80 || b > 0xBF) {
                throw invalid(what, "an invalid continuation byte");
            }
        }
        return i + continuation;
    }

    private static MqttCodecException invalid(String what, String problem) {
        return MqttCodecException.malformed("MQTT-1.5.4-1", what + " is not well-formed UTF-8: " + problem);
    }

    /** Whether the bytes are well-formed UTF-8 (for a payload marked as UTF-8 by its Payload Format Indicator). */
    public static boolean isWellFormed(ByteBuf buf, int index, int length) {
        try {
            int end = index + length;
            for (int i = index; i < end; i++) {
                int b = buf.getByte(i) & 0xFF;
                if (b >= 0x80) {
                    i = checkSequence(buf, i, end, b, "payload");
                }
            }
            return true;
        } catch (MqttCodecException e) {
            return false;
        }
    }
}
