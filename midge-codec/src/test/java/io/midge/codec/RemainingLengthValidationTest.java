package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.assertRejected;
import static io.midge.codec.Decoding.buffer;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.freshServer;
import static io.midge.codec.Decoding.server311;
import static io.midge.codec.Decoding.server5;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Framing by the Remaining Length: its encoding, the maximum packet size (checked before a body is buffered),
 * incomplete input, and a Remaining Length that does not fit the fields of the packet.
 */
@DisplayName("Remaining Length")
class RemainingLengthValidationTest {

    @Test
    @DisplayName("§2.1.4: a Remaining Length longer than four bytes is malformed (0x81)")
    void remainingLengthLongerThanFourBytes() {
        assertMalformed(server311(), "30 FF FF FF FF 7F", "§2.1.4");
        assertMalformed(freshServer(), "10 80 80 80 80 01", "§2.1.4");
        assertMalformed(client5(), "D0 80 80 80 80", "§2.1.4"); // refused as soon as the fifth byte is seen
    }

    @Test
    @DisplayName("MQTT-1.5.5-1: a Remaining Length not encoded in the fewest bytes is malformed (0x81)")
    void nonMinimalRemainingLength() {
        assertMalformed(server5(), "C0 80 00", "MQTT-1.5.5-1"); // 0 in two bytes
        assertMalformed(server311(), "40 82 00 | 00 01", "MQTT-1.5.5-1"); // 2 in two bytes
        assertMalformed(client311(), "D0 80 80 80 00", "MQTT-1.5.5-1"); // 0 in four bytes
        assertMalformed(server311(), "30 85 80 00 | 00 01 74 | 78 78", "MQTT-1.5.5-1"); // 5 in three bytes
    }

    @Test
    @DisplayName("MQTT-1.5.5-1: the two-byte Remaining Length 80 01 (128) is minimal and accepted")
    void twoByteRemainingLength() {
        String payload = " 78".repeat(125);
        Decoding.withPublish(server311(), "30 80 01 | 00 01 74 |" + payload,
                p -> assertThat(p.payload().readableBytes()).isEqualTo(125));
    }

    @Test
    @DisplayName("MQTT-3.2.2-15: a packet over the server's maximum is refused from its fixed header alone (0x95)")
    void tooLargeForTheServerRefusedBeforeTheBody() {
        MqttDecoder decoder = Decoding.serverAfterConnect(MqttVersion.MQTT_3_1_1, 1024);
        // PUBLISH announcing a body of 200,000,000 bytes; the decoder gets these five bytes and not one of the body.
        MqttCodecException e = assertRejected(decoder, "30 80 84 AF 5F", ReasonCode.PACKET_TOO_LARGE,
                "MQTT-3.2.2-15");
        assertThat(e.getMessage()).contains("200000005").contains("1024");
        // The same for a CONNECT before the version is known, and on a 5.0 connection.
        assertRejected(MqttDecoder.forServer(1024), "10 80 84 AF 5F", ReasonCode.PACKET_TOO_LARGE, "MQTT-3.2.2-15");
        assertRejected(Decoding.serverAfterConnect(MqttVersion.MQTT_5, 1024), "30 FF FF FF 7F",
                ReasonCode.PACKET_TOO_LARGE, "MQTT-3.2.2-15");
    }

    @Test
    @DisplayName("MQTT-3.1.2-24: a packet over the client's maximum is refused from its fixed header alone (0x95)")
    void tooLargeForTheClientRefusedBeforeTheBody() {
        assertRejected(MqttDecoder.forClient(MqttVersion.MQTT_5, 1024), "30 80 84 AF 5F",
                ReasonCode.PACKET_TOO_LARGE, "MQTT-3.1.2-24");
        assertRejected(MqttDecoder.forClient(MqttVersion.MQTT_3_1_1, 2), "D0 01", ReasonCode.PACKET_TOO_LARGE,
                "MQTT-3.1.2-24");
    }

    @Test
    @DisplayName("MQTT-3.2.2-15: the maximum counts the fixed header; a packet of exactly the maximum is accepted")
    void maximumPacketSizeBoundary() {
        MqttDecoder decoder = Decoding.serverAfterConnect(MqttVersion.MQTT_3_1_1, 20);
        // 2 header bytes + 18: topic "t" (3) and 15 payload bytes.
        Decoding.withPublish(decoder, "30 12 | 00 01 74 |" + " 41".repeat(15),
                p -> assertThat(p.payload().readableBytes()).isEqualTo(15));
        // 21 bytes: refused, here from the two header bytes alone.
        assertRejected(decoder, "30 13", ReasonCode.PACKET_TOO_LARGE, "MQTT-3.2.2-15");
    }

    @Test
    @DisplayName("§2.1.4: a packet split across reads is incomplete (null, nothing consumed) until its last byte")
    void splitPacketIsIncompleteNotAnError() {
        // 5.0 PUBLISH QoS 1 to "a/b", packet id 9, Message Expiry Interval 60, payload "hi": 17 bytes.
        byte[] packet = Bytes.hex("32 0F | 00 03 61 2F 62 | 00 09 | 05 02 00 00 00 3C | 68 69");
        // The limit is the packet's own size: an incomplete packet within the limit is never an error.
        MqttDecoder decoder = Decoding.serverAfterConnect(MqttVersion.MQTT_5, packet.length);
        for (int split = 0; split < packet.length; split++) {
            ByteBuf in = PooledByteBufAllocator.DEFAULT.buffer(packet.length);
            try {
                in.writeBytes(packet, 0, split);
                assertThat(decoder.decode(in)).as("after %d of %d bytes", split, packet.length).isNull();
                assertThat(in.readerIndex()).as("bytes consumed of an incomplete packet").isZero();
                in.writeBytes(packet, split, packet.length - split);
                MqttPacket decoded = decoder.decode(in);
                try {
                    assertThat(decoded).isInstanceOfSatisfying(Publish.class, p -> {
                        assertThat(p.topic()).isEqualTo("a/b");
                        assertThat(p.packetId()).isEqualTo(9);
                        assertThat(p.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL)).hasValue(60);
                        assertThat(p.payload().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
                    });
                    assertThat(in.isReadable()).isFalse();
                } finally {
                    ((Publish) decoded).release();
                }
            } finally {
                in.release();
            }
        }
    }

    @Test
    @DisplayName("§2.1.4: an unfinished Remaining Length is incomplete, not an error")
    void unfinishedRemainingLengthIsIncomplete() {
        MqttDecoder decoder = server311();
        for (String partial : new String[] {"30", "30 80", "30 FF FF", "30 FF FF FF"}) {
            ByteBuf in = buffer(partial);
            try {
                assertThat(decoder.decode(in)).as(partial).isNull();
                assertThat(in.readerIndex()).isZero();
            } finally {
                in.release();
            }
        }
    }

    @Test
    @DisplayName("§2.1.4: packets back to back in one read are decoded one at a time")
    void packetsBackToBack() {
        MqttDecoder decoder = server311();
        ByteBuf in = buffer("C0 00 | 40 02 00 01 | 40 02 00 02 | C0");
        try {
            assertThat(decoder.decode(in)).isEqualTo(PingReq.INSTANCE);
            assertThat(decoder.decode(in)).isEqualTo(new PubAck(1));
            assertThat(decoder.decode(in)).isEqualTo(new PubAck(2));
            assertThat(decoder.decode(in)).isNull();
            assertThat(in.readableBytes()).isEqualTo(1);
        } finally {
            in.release();
        }
    }

    @Test
    @DisplayName("§2.1.4: a 3.1.1 PUBACK with Remaining Length 3 has a byte beyond its last field: malformed (0x81)")
    void pubackWithExtraByte() {
        assertMalformed(server311(), "40 03 | 00 01 | 00", "§2.1.4");
        assertMalformed(client311(), "70 03 | 00 01 | 00", "§2.1.4");
    }

    @Test
    @DisplayName("§2.1.4: a PINGREQ with Remaining Length 1 is malformed (0x81)")
    void pingreqWithExtraByte() {
        assertMalformed(server311(), "C0 01 | 00", "§2.1.4");
        assertMalformed(server5(), "C0 01 | 00", "§2.1.4");
        assertMalformed(client5(), "D0 01 | 00", "§2.1.4");
    }

    @Test
    @DisplayName("§2.1.4: bytes beyond the last field of other packets are malformed (0x81)")
    void otherPacketsWithExtraBytes() {
        assertMalformed(server311(), "E0 01 | 00", "§2.1.4"); // 3.1.1 DISCONNECT
        assertMalformed(client311(), "20 03 | 00 | 00 | 00", "§2.1.4"); // 3.1.1 CONNACK
        assertMalformed(client311(), "B0 03 | 00 01 | 00", "§2.1.4"); // 3.1.1 UNSUBACK
        assertMalformed(server5(), "40 05 | 00 01 | 00 | 00 | FF", "§2.1.4"); // 5.0 PUBACK after its properties
        assertMalformed(freshServer(), "10 0E | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 01 63 | FF", "§2.1.4");
    }

    @Test
    @DisplayName("§2.1.4: a Remaining Length too short for the fields is malformed (0x81), never an index error")
    void remainingLengthTooShortForTheFields() {
        assertMalformed(server311(), "40 01 | 00", "§2.1.4"); // half a packet identifier
        assertMalformed(freshServer(), "10 05 | 00 04 4D 51 54", "§2.1.4"); // protocol name cut short
        assertMalformed(client5(), "20 01 | 00", "§2.1.4"); // CONNACK without its reason code
        assertMalformed(server311(), "32 04 | 00 01 74 | 00", "§2.1.4"); // QoS 1 PUBLISH, half a packet id
    }

    @Test
    @DisplayName("§2.1.4: a 5.0 PUBACK may end after its packet identifier or its reason code")
    void shortPubackInV5() {
        assertThat(decode(server5(), "40 02 | 00 01")).isEqualTo(new PubAck(1));
        assertThat(decode(server5(), "40 03 | 00 01 | 10")).isInstanceOfSatisfying(PubAck.class,
                ack -> assertThat(ack.reasonCode()).isEqualTo(ReasonCode.NO_MATCHING_SUBSCRIBERS));
    }
}
