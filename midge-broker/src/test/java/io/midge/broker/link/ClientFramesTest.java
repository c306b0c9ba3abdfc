package io.midge.broker.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a link (a cluster node's, a bridge's) puts on the wire: the packets in order, small ones gathered. */
class ClientFramesTest {
    private static final MqttVersion V5 = MqttVersion.MQTT_5;

    @Test
    @DisplayName("Small packets written between two flushes leave in one buffer, byte for byte as encoded one by one")
    void smallPacketsGathered() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrames.Encoder(V5));
        List<MqttPacket> packets = List.of(publish("a/b", 1, "one"), new PubAck(7), publish("a/c", 2, "two"));
        byte[] expected = encodedOneByOne(packets);
        for (MqttPacket p : packets) {
            channel.write(p, channel.voidPromise());
        }
        assertThat((Object) channel.readOutbound()).as("nothing before the flush").isNull();
        channel.flush();
        ByteBuf out = channel.readOutbound();
        try {
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(expected);
        } finally {
            out.release();
        }
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    @DisplayName("A PUBLISH with a shared large payload, and a write with a promise of its own, go after what was "
            + "gathered: the order written is the order sent")
    void orderKept() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrames.Encoder(V5));
        Publish large = publish("big", 1, "x".repeat(4096));
        List<MqttPacket> packets = List.of(new PubAck(1), large, new PubAck(2), new PubAck(3));
        byte[] expected = encodedOneByOne(packets);
        channel.write(packets.get(0), channel.voidPromise());
        channel.write(packets.get(1), channel.voidPromise());
        channel.write(packets.get(2), channel.voidPromise());
        ChannelFuture own = channel.write(packets.get(3));
        channel.flush();
        assertThat(own.isSuccess()).isTrue();
        List<ByteBuf> buffers = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            buffers.add((ByteBuf) o);
        }
        ByteBuf all = Unpooled.wrappedBuffer(buffers.toArray(ByteBuf[]::new));
        try {
            assertThat(buffers).hasSize(4); // PUBACK 1, the large PUBLISH (head and payload), PUBACK 2, PUBACK 3
            assertThat(ByteBufUtil.getBytes(all)).isEqualTo(expected);
        } finally {
            all.release();
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    @DisplayName("A busy link's next gathered buffer starts as large as the last one was filled, so it is not grown "
            + "(and copied) on the way to 16 KiB again; an idle one's stays small")
    void gatheredBufferSizedByTheLast() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrames.Encoder(V5));
        assertThat(flushedCapacity(channel, new PubAck(1))).as("an idle link's").isLessThanOrEqualTo(1024);
        for (int i = 0; i < 200; i++) {
            channel.write(publish("a/b", 1, "x".repeat(100)), channel.voidPromise());
        }
        channel.flush();
        ByteBuf full = channel.readOutbound(); // handed on at the gathering limit
        assertThat(full.readableBytes()).isGreaterThanOrEqualTo(16 * 1024);
        full.release();
        ByteBuf rest = channel.readOutbound();
        assertThat(rest.capacity()).as("started as large as the last, never grown").isGreaterThanOrEqualTo(16 * 1024);
        rest.release();
        flushedCapacity(channel, new PubAck(2)); // sized by the rest's few KiB
        assertThat(flushedCapacity(channel, new PubAck(3))).as("idle again").isLessThanOrEqualTo(1024);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static int flushedCapacity(EmbeddedChannel channel, MqttPacket packet) {
        channel.writeAndFlush(packet, channel.voidPromise());
        ByteBuf out = channel.readOutbound();
        int capacity = out.capacity();
        out.release();
        return capacity;
    }

    @Test
    @DisplayName("What was gathered and never flushed is released when the link closes (no leak)")
    void closeReleases() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrames.Encoder(V5));
        Publish publish = publish("t", 1, "payload");
        channel.write(publish, channel.voidPromise());
        assertThat(publish.payload().refCnt()).as("the payload's reference handed over").isZero();
        channel.close();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static Publish publish(String topic, int qos, String payload) {
        return new Publish(topic, qos, false, false, qos > 0 ? 11 : 0, MqttProperties.EMPTY,
                Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    /** The packets as the encoder makes them one at a time (it keeps the payloads' references). */
    private static byte[] encodedOneByOne(List<MqttPacket> packets) {
        ByteBuf all = Unpooled.buffer();
        for (MqttPacket p : packets) {
            ByteBuf one = MqttEncoder.encode(Unpooled.buffer().alloc(), p, V5);
            all.writeBytes(one);
            one.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }
}
