package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.freshServer;
import static io.midge.codec.Decoding.server311;
import static io.midge.codec.Decoding.server5;
import static io.midge.codec.Decoding.withPublish;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.property.UserProperty;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * UTF-8 Encoded Strings (MQTT 5.0 section 1.5.4; 3.1.1 section 1.5.3 states the same rules as MQTT-1.5.3-1 and -2,
 * the decoder cites the 5.0 numbers for both). Most cases put the string in the topic name of a PUBLISH with no
 * payload: {@code 30 <2+n> | 00 <n> | <n bytes>}.
 */
@DisplayName("UTF-8 strings")
class Utf8ValidationTest {

    @Test
    @DisplayName("MQTT-1.5.4-1: a stray continuation byte (0x80) is malformed (0x81)")
    void strayContinuationByte() {
        assertMalformed(client311(), "30 05 | 00 03 | 61 80 62", "MQTT-1.5.4-1");
        assertMalformed(client5(), "30 05 | 00 02 | BF 61 | 00", "MQTT-1.5.4-1");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: the invalid lead bytes 0xFF, 0xFE, 0xF5 and 0xF8 are malformed (0x81)")
    void invalidLeadByte() {
        assertMalformed(client311(), "30 04 | 00 02 | 61 FF", "MQTT-1.5.4-1");
        assertMalformed(client311(), "30 04 | 00 02 | FE 61", "MQTT-1.5.4-1");
        assertMalformed(client311(), "30 06 | 00 04 | F5 80 80 80", "MQTT-1.5.4-1");
        assertMalformed(client311(), "30 07 | 00 05 | F8 88 80 80 80", "MQTT-1.5.4-1");
    }

    @Test
    @DisplayName("MQTT-1.5.4-2: U+0000 in a string is malformed (0x81)")
    void nullCharacter() {
        assertMalformed(client311(), "30 05 | 00 03 | 61 00 62", "MQTT-1.5.4-2");
        assertMalformed(server311(), "30 03 | 00 01 | 00", "MQTT-1.5.4-2");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: an encoded UTF-16 surrogate (ED A0 80, ED BF BF) is malformed (0x81)")
    void encodedSurrogate() {
        assertMalformed(client311(), "30 05 | 00 03 | ED A0 80", "MQTT-1.5.4-1"); // U+D800
        assertMalformed(client311(), "30 05 | 00 03 | ED BF BF", "MQTT-1.5.4-1"); // U+DFFF
        // A surrogate pair encoded as two three-byte sequences (CESU-8) instead of one four-byte sequence.
        assertMalformed(client311(), "30 08 | 00 06 | ED A0 BD ED B8 80", "MQTT-1.5.4-1");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: overlong encodings (C0 80, C1 BF, E0 80 80, E0 9F BF, F0 80 80 80) are malformed")
    void overlongEncodings() {
        assertMalformed(client311(), "30 04 | 00 02 | C0 80", "MQTT-1.5.4-1"); // U+0000 in two bytes
        assertMalformed(client311(), "30 04 | 00 02 | C1 BF", "MQTT-1.5.4-1"); // U+007F in two bytes
        assertMalformed(client311(), "30 05 | 00 03 | E0 80 80", "MQTT-1.5.4-1"); // U+0000 in three bytes
        assertMalformed(client311(), "30 05 | 00 03 | E0 9F BF", "MQTT-1.5.4-1"); // U+07FF in three bytes
        assertMalformed(client311(), "30 06 | 00 04 | F0 80 80 80", "MQTT-1.5.4-1"); // U+0000 in four bytes
        assertMalformed(client311(), "30 06 | 00 04 | F0 8F BF BF", "MQTT-1.5.4-1"); // U+FFFF in four bytes
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: a code point above U+10FFFF (F4 90 80 80) is malformed (0x81)")
    void aboveMaximumCodePoint() {
        assertMalformed(client311(), "30 06 | 00 04 | F4 90 80 80", "MQTT-1.5.4-1"); // U+110000
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: a sequence cut short by the end of the string is malformed, even if the packet goes on")
    void truncatedSequence() {
        // The topic is the two bytes E6 B8; the third byte of the character (A9) lies in the payload.
        assertMalformed(client311(), "30 05 | 00 02 | E6 B8 | A9", "MQTT-1.5.4-1");
        assertMalformed(client311(), "30 03 | 00 01 | C2", "MQTT-1.5.4-1");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: an ASCII byte where a continuation byte belongs is malformed (0x81)")
    void missingContinuationByte() {
        assertMalformed(client311(), "30 05 | 00 03 | E6 B8 41", "MQTT-1.5.4-1");
        assertMalformed(client311(), "30 06 | 00 04 | F0 9F 98 41", "MQTT-1.5.4-1");
    }

    @Test
    @DisplayName("§2.1.4: a string length that overruns the packet is malformed (0x81)")
    void stringLengthOverrunsThePacket() {
        assertMalformed(client311(), "30 04 | 00 05 | 61 62", "§2.1.4");
        assertMalformed(client311(), "30 04 | FF FF | 61 62", "§2.1.4");
        // CONNECT whose client identifier claims 2 bytes where 1 is left.
        assertMalformed(freshServer(), "10 0D | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 02 63", "§2.1.4");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: valid multi-byte strings decode to the right characters")
    void validMultiByteStrings() {
        // "温度/°C": three-, three-, one-, two- and one-byte characters.
        withPublish(client311(), "30 0C | 00 0A | E6 B8 A9 E5 BA A6 2F C2 B0 43",
                p -> assertThat(p.topic()).isEqualTo("温度/°C"));
        // U+1F600, a four-byte character: a surrogate pair in Java.
        withPublish(client5(), "30 09 | 00 04 | F0 9F 98 80 | 00 | 68 69", p -> {
            assertThat(p.topic()).isEqualTo("\uD83D\uDE00").isEqualTo(new String(Character.toChars(0x1F600)));
            assertThat(p.payload().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
        });
    }

    @Test
    @DisplayName("MQTT-1.5.4-1, MQTT-1.5.4-3: the code points next to the forbidden ranges are valid; a BOM is kept")
    void boundaryCodePoints() {
        // U+D7FF, U+E000, U+FFFF, U+10FFFF, U+FEFF (a BOM, which must not be stripped), U+0080, U+07FF, U+0800.
        withPublish(server311(), "30 19 | 00 17 | ED 9F BF EE 80 80 EF BF BF F4 8F BF BF EF BB BF C2 80 DF BF E0 A0 80",
                p -> assertThat(p.topic()).isEqualTo("\uD7FF\uE000\uFFFF\uDBFF\uDFFF\uFEFF\u0080\u07FF\u0800"));
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: every string is checked: protocol name, client identifier, topic filter, property")
    void everyStringIsChecked() {
        assertMalformed(freshServer(), "10 0D | 00 04 4D 51 FF 54 | 04 | 02 | 00 3C | 00 01 63", "MQTT-1.5.4-1");
        assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 02 C0 80", "MQTT-1.5.4-1");
        assertMalformed(server311(), "82 08 | 00 01 | 00 03 ED B0 80 | 00", "MQTT-1.5.4-1");
        // User Property a = U+0000 in a 5.0 PUBLISH.
        assertMalformed(server5(), "30 0B | 00 01 74 | 07 | 26 00 01 61 00 01 00", "MQTT-1.5.4-2");
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: valid multi-byte characters in a client identifier, topic filter and user property")
    void multiByteStringsElsewhere() {
        // Client identifier "é" (C3 A9).
        assertThat(decode(freshServer(), "10 0E | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 02 C3 A9"))
                .isInstanceOfSatisfying(Connect.class, c -> assertThat(c.clientId()).isEqualTo("é"));
        // Topic filter "°/+" (C2 B0 2F 2B).
        assertThat(decode(server311(), "82 09 | 00 01 | 00 04 C2 B0 2F 2B | 01"))
                .isInstanceOfSatisfying(Subscribe.class,
                        s -> assertThat(s.subscriptions().get(0).topicFilter()).isEqualTo("°/+"));
        // User Property "温" = "°".
        withPublish(server5(), "30 0E | 00 01 74 | 0A | 26 00 03 E6 B8 A9 00 02 C2 B0",
                p -> assertThat(p.properties().userProperties()).containsExactly(new UserProperty("温", "°")));
    }
}
