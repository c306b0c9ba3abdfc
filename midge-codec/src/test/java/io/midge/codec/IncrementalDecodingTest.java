package io.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The decoder works on whatever the network delivers: a packet split across any number of reads, and many packets
 * in one read. Reads are modelled as a cumulation buffer that grows, as Netty's ByteToMessageDecoder keeps one.
 */
class IncrementalDecodingTest {
    private static final MqttVersion V5 = MqttVersion.MQTT_5;

    /** A stream of packets a client sends, as one byte array. */
    private static byte[] clientStream(List<MqttPacket> packets) {
        ByteBuf all = Unpooled.buffer();
        try {
            for (MqttPacket packet : packets) {
                ByteBuf encoded = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, packet, V5);
                all.writeBytes(encoded);
                encoded.release();
            }
            return ByteBufUtil.getBytes(all);
        } finally {
            all.release();
        }
    }

    private static List<MqttPacket> samplePackets() {
        List<MqttPacket> packets = new ArrayList<>();
        packets.add(new Connect(V5, "split", false, 30, "u", Binary.utf8("p"), null,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build()));
        packets.add(new Subscribe(1, List.of(new Subscription("a/#", 1)), MqttProperties.EMPTY));
        for (int i = 0; i < 5; i++) {
            // 200 bytes and 20 000 bytes: a one-byte and a three-byte Remaining Length.
            int size = i % 2 == 0 ? 200 : 20_000;
            packets.add(new Publish("a/" + i, 1, false, false, i + 1,
                    MqttProperties.builder().userProperty("i", Integer.toString(i)).build(),
                    Unpooled.wrappedBuffer(("p" + i).repeat(size / 2).getBytes(StandardCharsets.UTF_8))));
        }
        packets.add(new PubAck(7));
        packets.add(PingReq.INSTANCE);
        packets.add(Disconnect.NORMAL);
        return packets;
    }

    /** Feeds the stream in reads of the given sizes and collects every packet decoded. */
    private static List<MqttPacket> decodeInReads(byte[] stream, int[] readSizes) {
        MqttDecoder decoder = MqttDecoder.forServer(1 << 20);
        ByteBuf cumulation = PooledByteBufAllocator.DEFAULT.buffer();
        List<MqttPacket> decoded = new ArrayList<>();
        try {
            int offset = 0;
            int r = 0;
            while (offset < stream.length) {
                int n = Math.min(readSizes[r++ % readSizes.length], stream.length - offset);
                cumulation.writeBytes(stream, offset, n);
                offset += n;
                MqttPacket packet;
                while ((packet = decoder.decode(cumulation)) != null) {
                    decoded.add(packet);
                }
                // As Netty's ByteToMessageDecoder does: compact only when no decoded payload still shares the bytes.
                if (cumulation.refCnt() == 1) {
                    cumulation.discardReadBytes();
                }
            }
            assertThat(cumulation.isReadable()).as("nothing left over").isFalse();
            return decoded;
        } finally {
            cumulation.release();
        }
    }

    private static void assertSameAndRelease(List<MqttPacket> decoded, List<MqttPacket> expected) {
        try {
            assertThat(decoded).containsExactlyElementsOf(expected);
        } finally {
            decoded.forEach(p -> {
                if (p instanceof Publish publish) {
                    publish.release();
                }
            });
        }
    }

    @Test
    @DisplayName("a stream delivered one byte per read decodes to the same packets")
    void oneBytePerRead() {
        List<MqttPacket> packets = samplePackets();
        byte[] stream = clientStream(packets);
        try {
            assertSameAndRelease(decodeInReads(stream, new int[] {1}), packets);
        } finally {
            packets.forEach(IncrementalDecodingTest::releaseIfPublish);
        }
    }

    @Test
    @DisplayName("a stream split at random points, many times over, decodes to the same packets")
    void randomSplits() {
        List<MqttPacket> packets = samplePackets();
        byte[] stream = clientStream(packets);
        Random random = new Random(42);
        try {
            for (int round = 0; round < 50; round++) {
                int[] sizes = random.ints(16, 1, 3000).toArray();
                assertSameAndRelease(decodeInReads(stream, sizes), packets);
            }
        } finally {
            packets.forEach(IncrementalDecodingTest::releaseIfPublish);
        }
    }

    @Test
    @DisplayName("many packets in one read all decode, in order")
    void manyPacketsInOneRead() {
        List<MqttPacket> packets = samplePackets();
        byte[] stream = clientStream(packets);
        try {
            assertSameAndRelease(decodeInReads(stream, new int[] {stream.length}), packets);
        } finally {
            packets.forEach(IncrementalDecodingTest::releaseIfPublish);
        }
    }

    @Test
    @DisplayName("an incomplete packet consumes nothing until its last byte arrives")
    void incompletePacketConsumesNothing() {
        byte[] stream = clientStream(List.of(new Connect(V5, "c", true, 0, null, null, null, MqttProperties.EMPTY)));
        MqttDecoder decoder = MqttDecoder.forServer(1024);
        ByteBuf in = Unpooled.buffer();
        try {
            for (int i = 0; i < stream.length - 1; i++) {
                in.writeByte(stream[i]);
                assertThat(decoder.decode(in)).isNull();
                assertThat(in.readerIndex()).isZero();
            }
            in.writeByte(stream[stream.length - 1]);
            assertThat(decoder.decode(in)).isInstanceOf(Connect.class);
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    @DisplayName("packets spread over the components of a composite buffer decode")
    void compositeInput() {
        List<MqttPacket> packets = samplePackets();
        byte[] stream = clientStream(packets);
        CompositeByteBuf composite = PooledByteBufAllocator.DEFAULT.compositeBuffer();
        List<MqttPacket> decoded = new ArrayList<>();
        try {
            for (int offset = 0; offset < stream.length; offset += 777) {
                composite.addComponent(true, Unpooled.wrappedBuffer(stream, offset,
                        Math.min(777, stream.length - offset)));
            }
            MqttDecoder decoder = MqttDecoder.forServer(1 << 20);
            MqttPacket packet;
            while ((packet = decoder.decode(composite)) != null) {
                decoded.add(packet);
            }
            assertSameAndRelease(decoded, packets);
        } finally {
            composite.release();
            packets.forEach(IncrementalDecodingTest::releaseIfPublish);
        }
    }

    private static void releaseIfPublish(MqttPacket packet) {
        if (packet instanceof Publish publish) {
            publish.release();
        }
    }
}
