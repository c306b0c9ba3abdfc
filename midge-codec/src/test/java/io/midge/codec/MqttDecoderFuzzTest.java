package io.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.protocol.MqttVersion;
import io.midge.leakdetection.LeakDetectionExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Coverage-guided fuzzing of {@link MqttDecoder} with Jazzer, for every packet of MQTT 3.1, 3.1.1 and 5.0 on both
 * sides of a connection. The normal build replays the stored inputs ({@code MqttDecoderFuzzTestInputs/decode/}:
 * the seeds {@link DecoderFuzzSeedsTest} writes, one valid example of every packet per version, and every input
 * that ever failed); fuzzing runs only when asked (see the README's test section).
 *
 * <p>An input is a header byte and the byte stream. The header's low three bits pick the stream: 0 and 7 a server
 * that has seen nothing (the stream must start with CONNECT, whose protocol level sets the version), 1 to 3 a
 * server after a valid CONNECT of 3.1, 3.1.1 or 5.0, 4 to 6 a client of 3.1, 3.1.1 or 5.0. Bit 3 sets a maximum
 * packet size of {@value #SMALL_MAXIMUM_PACKET_SIZE} bytes; the high four bits, plus one, are the size of the pieces
 * the stream is fed in a second time (larger for a long stream, so that there are at most 64).
 *
 * <p>For every input: nothing escapes but {@link MqttCodecException} with an error reason code and a rule; every
 * buffer is released (checked after each input: the stream is in a pooled buffer the paranoid detector tracks, which
 * stays unreleased while a payload slice of it is held; the decoder reads it unwrapped, as an access record costs a
 * stack trace per byte read and would slow fuzzing a thousandfold); a decode that returns null consumed nothing; every
 * packet decoded re-encodes with {@link MqttEncoder} to bytes that decode to an equal packet (and encode to the
 * same bytes again); and the stream fed in pieces decodes exactly as the stream read at once.
 */
class MqttDecoderFuzzTest {
    static final int SMALL_MAXIMUM_PACKET_SIZE = 64;

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    /**
     * For the round trip's encodings, untracked: they are released in a finally block, and a PUBLISH payload they
     * share keeps the tracked input unreleased if they were not.
     */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final byte[][] CONNECT = new byte[MqttVersion.values().length][];

    static {
        for (MqttVersion version : MqttVersion.values()) {
            CONNECT[version.ordinal()] = Bytes.hex(validConnect(version));
        }
    }

    /** The decoder's side and, for a server, the version of the CONNECT it has already read. */
    enum Side {
        SERVER_AWAITING_CONNECT(true, null),
        SERVER_3_1(true, MqttVersion.MQTT_3_1),
        SERVER_3_1_1(true, MqttVersion.MQTT_3_1_1),
        SERVER_5(true, MqttVersion.MQTT_5),
        CLIENT_3_1(false, MqttVersion.MQTT_3_1),
        CLIENT_3_1_1(false, MqttVersion.MQTT_3_1_1),
        CLIENT_5(false, MqttVersion.MQTT_5);

        final boolean server;
        final MqttVersion version;

        Side(boolean server, MqttVersion version) {
            this.server = server;
            this.version = version;
        }

        static Side ofHeader(int header) {
            int index = header & 0x07;
            return index == 7 ? SERVER_AWAITING_CONNECT : values()[index];
        }

        /** The header byte selecting this side, with the default packet size and the stream read at once. */
        int header() {
            return ordinal();
        }

        /** A decoder in this side's state. */
        MqttDecoder newDecoder(int maximumPacketSize) {
            if (!server) {
                return MqttDecoder.forClient(version, maximumPacketSize);
            }
            MqttDecoder decoder = MqttDecoder.forServer(maximumPacketSize);
            if (version != null) {
                readConnect(decoder, version);
            }
            return decoder;
        }
    }

    @FuzzTest(maxDuration = "10m")
    void decode(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int header = input[0] & 0xFF;
        Side side = Side.ofHeader(header);
        int maximumPacketSize = (header & 0x08) != 0 ? SMALL_MAXIMUM_PACKET_SIZE : MqttDecoder.MAX_PACKET_SIZE;
        // At most 64 pieces: every piece decodes the fixed header again, which for a long packet in one-byte pieces
        // would cost more than everything else the input does.
        int pieceSize = Math.max((header >>> 4) + 1, (input.length + 62) / 64);

        Outcome atOnce = null;
        Outcome inPieces = null;
        try {
            atOnce = decodeAtOnce(side, maximumPacketSize, input);
            inPieces = decodeInPieces(side, maximumPacketSize, input, pieceSize);
            assertThat(inPieces.packets).as("packets decoded from pieces of %d bytes", pieceSize)
                    .isEqualTo(atOnce.packets);
            assertThat(inPieces.errorSummary()).as("error from pieces of %d bytes", pieceSize)
                    .isEqualTo(atOnce.errorSummary());
        } finally {
            if (atOnce != null) {
                atOnce.release();
            }
            if (inPieces != null) {
                inPieces.release();
            }
        }
        // Cheap when every buffer of this input was released (a counter); a GC and a report when one was not.
        LeakDetectionExtension.assertNoLeaksSinceLastCheck();
    }

    /**
     * What a stream decoded to: its packets, the error that ended it, and the tracked buffer the stream was read
     * from, which their payloads are slices of. The buffer is released last, through the tracking wrapper, so that
     * its tracker sees the count reach zero.
     */
    static final class Outcome {
        final List<MqttPacket> packets = new ArrayList<>();
        final ByteBuf tracked;
        MqttCodecException error;

        Outcome(ByteBuf tracked) {
            this.tracked = tracked;
        }

        /** The buffer itself, without the leak detector's wrapper that records every access (at paranoid). */
        ByteBuf stream() {
            ByteBuf unwrapped = tracked.unwrap();
            return unwrapped != null ? unwrapped : tracked;
        }

        String errorSummary() {
            return error == null ? "none" : error.reasonCode() + " " + error.rule();
        }

        void release() {
            packets.forEach(ReferenceCountUtil::release);
            packets.clear();
            tracked.release();
        }
    }

    private static Outcome decodeAtOnce(Side side, int maximumPacketSize, byte[] input) {
        MqttDecoder decoder = side.newDecoder(maximumPacketSize);
        Outcome outcome = new Outcome(ALLOC.buffer(input.length - 1).writeBytes(input, 1, input.length - 1));
        ByteBuf in = outcome.stream();
        try {
            while (true) {
                MqttVersion versionBefore = decoder.version();
                MqttPacket packet = next(decoder, in, outcome);
                if (packet == null) {
                    return outcome;
                }
                outcome.packets.add(packet);
                assertRoundTrip(side.server, versionBefore, decoder.version(), packet);
            }
        } catch (RuntimeException | Error e) {
            outcome.release();
            throw e;
        }
    }

    /** Feeds the stream in pieces to one growing buffer, as Netty's ByteToMessageDecoder accumulates reads. */
    private static Outcome decodeInPieces(Side side, int maximumPacketSize, byte[] input, int pieceSize) {
        MqttDecoder decoder = side.newDecoder(maximumPacketSize);
        Outcome outcome = new Outcome(ALLOC.buffer(input.length - 1));
        ByteBuf in = outcome.stream();
        try {
            for (int offset = 1; offset < input.length && outcome.error == null; offset += pieceSize) {
                in.writeBytes(input, offset, Math.min(pieceSize, input.length - offset));
                MqttPacket packet;
                while ((packet = next(decoder, in, outcome)) != null) {
                    outcome.packets.add(packet);
                }
            }
            return outcome;
        } catch (RuntimeException | Error e) {
            outcome.release();
            throw e;
        }
    }

    /** The next packet, or null when the stream is incomplete (then nothing was read) or broken (recorded). */
    private static MqttPacket next(MqttDecoder decoder, ByteBuf in, Outcome outcome) {
        int readerIndex = in.readerIndex();
        try {
            MqttPacket packet = decoder.decode(in);
            if (packet == null) {
                assertThat(in.readerIndex()).as("reader index after an incomplete packet").isEqualTo(readerIndex);
            }
            return packet;
        } catch (MqttCodecException e) {
            assertThat(e.reasonCode()).as("reason code of: %s", e.getMessage()).isNotNull();
            assertThat(e.reasonCode().isError()).as("an error reason code in: %s", e.getMessage()).isTrue();
            assertThat(e.rule()).as("rule of: %s", e.getMessage()).isNotBlank();
            outcome.error = e;
            return null;
        }
    }

    /**
     * Encodes the packet in the stream's version and decodes it with a decoder in the state the first one had before
     * it: an equal packet, whose encoding is the same bytes.
     */
    private static void assertRoundTrip(boolean server, MqttVersion versionBefore, MqttVersion versionAfter,
                                        MqttPacket packet) {
        MqttVersion version = Objects.requireNonNull(versionAfter, "the stream's version after a packet");
        MqttDecoder decoder = server ? MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE)
                : MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE);
        if (server && versionBefore != null) {
            readConnect(decoder, versionBefore);
        }
        if (packet instanceof Connect connect) {
            assertThat(connect.version()).isEqualTo(version);
        }
        ByteBuf encoded = MqttEncoder.encode(UNTRACKED, packet, version);
        MqttPacket decoded = null;
        ByteBuf encodedAgain = null;
        try {
            assertThat(encoded.readableBytes()).as("encodedSize of %s", packet)
                    .isEqualTo(MqttEncoder.encodedSize(packet, version));
            decoded = decoder.decode(encoded);
            assertThat(decoded).as("%s re-encoded and decoded", packet).isEqualTo(packet);
            assertThat(encoded.readableBytes()).as("bytes left after the re-encoded packet").isZero();
            encodedAgain = MqttEncoder.encode(UNTRACKED, decoded, version);
            encoded.readerIndex(0);
            assertThat(encodedAgain).as("%s encoded a second time", packet).isEqualTo(encoded);
        } finally {
            ReferenceCountUtil.release(decoded);
            ReferenceCountUtil.release(encodedAgain);
            encoded.release();
        }
    }

    /** The stored CONNECT of each version, read by a server-side decoder to put it in that version's stream. */
    static void readConnect(MqttDecoder decoder, MqttVersion version) {
        ByteBuf connect = UNTRACKED.buffer().writeBytes(CONNECT[version.ordinal()]);
        try {
            MqttPacket packet = decoder.decode(connect);
            if (!(packet instanceof Connect) || decoder.version() != version) {
                throw new IllegalStateException("the stored " + version + " CONNECT did not decode: " + packet);
            }
        } finally {
            connect.release();
        }
    }

    /** A valid CONNECT with clean start, keep alive 60 and client identifier "c". */
    static String validConnect(MqttVersion version) {
        return switch (version) {
            case MQTT_3_1 -> "10 0F | 00 06 4D 51 49 73 64 70 | 03 | 02 | 00 3C | 00 01 63";
            case MQTT_3_1_1 -> Decoding.CONNECT_V311;
            case MQTT_5 -> Decoding.CONNECT_V5;
        };
    }
}
