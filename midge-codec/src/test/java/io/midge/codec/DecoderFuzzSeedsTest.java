package io.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttDecoderFuzzTest.Side;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The seeds of {@link MqttDecoderFuzzTest}'s corpus: a valid example of every packet of every version, from the
 * packets {@link RoundTripTest} pins, in the fuzz test's input form (a header byte choosing the stream, then the
 * bytes). They are files in the fuzz test's inputs directory, beside the inputs fuzzing found, so that the fuzzer
 * starts from them and the normal build replays them; this test keeps them in step with the encoder, and rewrites
 * them with {@code -Dmidge.fuzz.seeds.write=true}.
 */
class DecoderFuzzSeedsTest {
    static final Path INPUTS = Path.of("src/test/resources/io/midge/codec/MqttDecoderFuzzTestInputs/decode");
    private static final String PREFIX = "seed-";

    @Test
    @DisplayName("The decoder's fuzz corpus holds a valid example of every packet of 3.1, 3.1.1 and 5.0, as encoded")
    void seedsAreCurrent() throws IOException {
        Map<String, byte[]> seeds = seeds();
        if (Boolean.getBoolean("midge.fuzz.seeds.write")) {
            Files.createDirectories(INPUTS);
            try (Stream<Path> old = Files.list(INPUTS)) {
                for (Path p : (Iterable<Path>) old::iterator) {
                    if (p.getFileName().toString().startsWith(PREFIX)) {
                        Files.delete(p);
                    }
                }
            }
            for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
                Files.write(INPUTS.resolve(seed.getKey()), seed.getValue());
            }
        }
        Map<String, byte[]> stored = new TreeMap<>();
        try (Stream<Path> files = Files.list(INPUTS)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(PREFIX)) {
                    stored.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        assertThat(stored.keySet()).as("seed files in %s; rewrite them with -Dmidge.fuzz.seeds.write=true", INPUTS)
                .containsExactlyElementsOf(seeds.keySet());
        for (String name : seeds.keySet()) {
            assertThat(stored.get(name)).as("%s; rewrite the seeds with -Dmidge.fuzz.seeds.write=true", name)
                    .isEqualTo(seeds.get(name));
        }
    }

    /** Every seed by file name, in order. */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new TreeMap<>();
        for (MqttVersion version : MqttVersion.values()) {
            String v = versionName(version);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.write(Side.SERVER_AWAITING_CONNECT.header());
            stream.writeBytes(Bytes.hex(MqttDecoderFuzzTest.validConnect(version)));
            int n = 0;
            for (Arguments connect : (Iterable<Arguments>) RoundTripTest.connectPackets()::iterator) {
                MqttPacket packet = (MqttPacket) connect.get()[0];
                if (((Connect) packet).version() == version) {
                    seeds.put(PREFIX + "connect-" + v + "-" + n++,
                            input(Side.SERVER_AWAITING_CONNECT, packet, version));
                }
            }
            Side server = Side.valueOf("SERVER_" + v.replace('.', '_'));
            n = 0;
            for (Arguments a : (Iterable<Arguments>) RoundTripTest.clientPackets()::iterator) {
                if (a.get()[0] == version) {
                    MqttPacket packet = (MqttPacket) a.get()[1];
                    byte[] bytes = encode(packet, version);
                    stream.writeBytes(bytes);
                    seeds.put(PREFIX + "server-" + v + "-" + name(packet) + "-" + n++, withHeader(server, bytes));
                }
            }
            // The whole conversation from the client's side, CONNECT first, in one stream.
            seeds.put(PREFIX + "stream-" + v, stream.toByteArray());
            Side client = Side.valueOf("CLIENT_" + v.replace('.', '_'));
            n = 0;
            for (Arguments a : (Iterable<Arguments>) RoundTripTest.serverPackets()::iterator) {
                if (a.get()[0] == version) {
                    MqttPacket packet = (MqttPacket) a.get()[1];
                    seeds.put(PREFIX + "client-" + v + "-" + name(packet) + "-" + n++, input(client, packet, version));
                }
            }
        }
        return seeds;
    }

    private static String versionName(MqttVersion version) {
        return switch (version) {
            case MQTT_3_1 -> "3.1";
            case MQTT_3_1_1 -> "3.1.1";
            case MQTT_5 -> "5";
        };
    }

    private static String name(MqttPacket packet) {
        return packet.type().name().toLowerCase(Locale.ROOT);
    }

    private static byte[] input(Side side, MqttPacket packet, MqttVersion version) {
        return withHeader(side, encode(packet, version));
    }

    private static byte[] withHeader(Side side, byte[] bytes) {
        byte[] input = new byte[bytes.length + 1];
        input[0] = (byte) side.header();
        System.arraycopy(bytes, 0, input, 1, bytes.length);
        return input;
    }

    /** The packet's bytes; the packet (a PUBLISH's payload) is released. */
    private static byte[] encode(MqttPacket packet, MqttVersion version) {
        ByteBuf buf = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, packet, version);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
            ReferenceCountUtil.release(packet);
        }
    }
}
