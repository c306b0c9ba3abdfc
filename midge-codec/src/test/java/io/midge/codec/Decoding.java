package io.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * Feeds hand-written bytes to an {@link MqttDecoder} for the validation tests. Every input is copied into a pooled
 * buffer (which Netty's leak detector tracks, unlike a wrapped array) and released when the decode is done, so a
 * payload slice the decoder forgot to release, or kept after an error, shows up as a leak.
 */
final class Decoding {
    /** A valid MQTT 3.1.1 CONNECT: clean session, keep alive 60, client identifier "c". */
    static final String CONNECT_V311 = "10 0D | 00 04 4D 51 54 54 | 04 | 02 | 00 3C | 00 01 63";
    /** A valid MQTT 5.0 CONNECT: clean start, keep alive 60, no properties, client identifier "c". */
    static final String CONNECT_V5 = "10 0E | 00 04 4D 51 54 54 | 05 | 02 | 00 3C | 00 | 00 01 63";

    /** Generous enough for every packet of the tests; the size tests choose their own limit. */
    static final int MAX_SIZE = 64 * 1024;

    private Decoding() {
    }

    /** A server-side decoder that has already decoded a valid CONNECT of this version (3.1.1 or 5.0). */
    static MqttDecoder serverAfterConnect(MqttVersion version, int maximumPacketSize) {
        MqttDecoder decoder = MqttDecoder.forServer(maximumPacketSize);
        String connect = switch (version) {
            case MQTT_3_1_1 -> CONNECT_V311;
            case MQTT_5 -> CONNECT_V5;
            case MQTT_3_1 -> throw new IllegalArgumentException("the tests connect with 3.1.1 or 5.0");
        };
        assertThat(decode(decoder, connect)).isInstanceOf(Connect.class);
        assertThat(decoder.version()).isEqualTo(version);
        return decoder;
    }

    static MqttDecoder server311() {
        return serverAfterConnect(MqttVersion.MQTT_3_1_1, MAX_SIZE);
    }

    static MqttDecoder server5() {
        return serverAfterConnect(MqttVersion.MQTT_5, MAX_SIZE);
    }

    /** A server-side decoder that has seen nothing yet: the next packet must be CONNECT. */
    static MqttDecoder freshServer() {
        return MqttDecoder.forServer(MAX_SIZE);
    }

    static MqttDecoder client311() {
        return MqttDecoder.forClient(MqttVersion.MQTT_3_1_1, MAX_SIZE);
    }

    static MqttDecoder client5() {
        return MqttDecoder.forClient(MqttVersion.MQTT_5, MAX_SIZE);
    }

    /** A pooled, leak-tracked buffer holding the bytes of the hex string. */
    static ByteBuf buffer(String hex) {
        byte[] bytes = Bytes.hex(hex);
        return PooledByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    /**
     * Decodes the bytes, which must be exactly one complete packet, and returns it. The input is released; a
     * {@link Publish} returned holds a slice of it, which the caller releases (see {@link #withPublish}).
     */
    static MqttPacket decode(MqttDecoder decoder, String hex) {
        ByteBuf in = buffer(hex);
        MqttPacket packet = null;
        try {
            packet = decoder.decode(in);
            assertThat(packet).as("a complete packet decoded from %s", hex).isNotNull();
            assertThat(in.readableBytes()).as("bytes left after the packet").isZero();
            MqttPacket result = packet;
            packet = null;
            return result;
        } finally {
            ReferenceCountUtil.release(packet); // only when an assertion failed after a PUBLISH decoded
            in.release();
        }
    }

    /** Decodes one PUBLISH, hands it to the check, and releases it whatever the check does. */
    static void withPublish(MqttDecoder decoder, String hex, Consumer<Publish> check) {
        MqttPacket packet = decode(decoder, hex);
        try {
            assertThat(packet).isInstanceOf(Publish.class);
            check.accept((Publish) packet);
        } finally {
            ReferenceCountUtil.release(packet);
        }
    }

    /** Decodes the bytes expecting a refusal, and returns it; fails when they decode or are incomplete. */
    static MqttCodecException rejection(MqttDecoder decoder, String hex) {
        ByteBuf in = buffer(hex);
        try {
            MqttPacket packet = decoder.decode(in);
            ReferenceCountUtil.release(packet);
            return fail(packet == null ? "the bytes %s are an incomplete packet, not a refused one".formatted(hex)
                    : "the bytes %s were accepted as %s".formatted(hex, packet));
        } catch (MqttCodecException e) {
            return e;
        } finally {
            in.release();
        }
    }

    /** Asserts the bytes are refused with this reason code, citing this rule. */
    static MqttCodecException assertRejected(MqttDecoder decoder, String hex, ReasonCode reasonCode, String rule) {
        MqttCodecException e = rejection(decoder, hex);
        assertThat(e.reasonCode()).as("reason code of: %s", e.getMessage()).isEqualTo(reasonCode);
        assertThat(e.rule()).as("rule of: %s", e.getMessage()).isEqualTo(rule);
        return e;
    }

    static MqttCodecException assertMalformed(MqttDecoder decoder, String hex, String rule) {
        return assertRejected(decoder, hex, ReasonCode.MALFORMED_PACKET, rule);
    }

    static MqttCodecException assertProtocolError(MqttDecoder decoder, String hex, String rule) {
        return assertRejected(decoder, hex, ReasonCode.PROTOCOL_ERROR, rule);
    }
}
