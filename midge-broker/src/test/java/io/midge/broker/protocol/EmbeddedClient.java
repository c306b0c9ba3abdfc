package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection on an EmbeddedChannel: the pipeline MqttListener builds for plain TCP (frame decoder,
 * encoder, MqttConnection), fed with encoded bytes as a socket would feed it, and read back as the bytes the broker
 * wrote, decoded with the codec's strict client-side decoder (so a malformed answer fails the test).
 *
 * <p>Every buffer comes from {@link ByteBufAllocator#DEFAULT}, so that the leak detector tracks it; the PUBLISHes
 * received are released by {@link EmbeddedBroker#close}.
 */
final class EmbeddedClient {
    final EmbeddedChannel channel;
    final MqttConnection connection;
    final MqttVersion version;
    private final MqttDecoder decoder;
    /** Everything the broker wrote, never discarded: received PUBLISH payloads are slices of it. */
    private final ByteBuf received = ByteBufAllocator.DEFAULT.buffer();
    private final List<Publish> toRelease = new ArrayList<>();

    EmbeddedClient(EmbeddedBroker broker, MqttVersion version) {
        this.version = version;
        this.decoder = MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE);
        MqttFrameDecoder frames = new MqttFrameDecoder(broker.config.protocol().maxPacketSize(),
                broker.context.metrics().bytesReceived);
        connection = new MqttConnection(broker.context, EmbeddedBroker.LISTENER, frames);
        // Named as MqttListener names them, and added before the channel is active, as there.
        channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("decoder", frames).addLast("mqtt", connection);
            }
        });
    }

    // ------------------------------------------------------------------ packets in

    /** Sends a packet encoded in this client's version; a Publish's payload reference is given up, as on a wire. */
    EmbeddedClient send(MqttPacket packet) {
        ByteBuf bytes;
        try {
            bytes = MqttEncoder.encode(ByteBufAllocator.DEFAULT, packet, version);
        } finally {
            if (packet instanceof Publish) {
                ((Publish) packet).release();
            }
        }
        return sendBytes(bytes);
    }

    /** Sends packets in one read, as one TCP segment would bring them. */
    EmbeddedClient sendTogether(MqttPacket... packets) {
        ByteBuf bytes = ByteBufAllocator.DEFAULT.buffer();
        for (MqttPacket packet : packets) {
            ByteBuf one = MqttEncoder.encode(ByteBufAllocator.DEFAULT, packet, version);
            bytes.writeBytes(one);
            one.release();
            if (packet instanceof Publish) {
                ((Publish) packet).release();
            }
        }
        return sendBytes(bytes);
    }

    /** Sends bytes as they are, to break rules the encoder keeps. */
    EmbeddedClient sendRaw(int... bytes) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(bytes.length);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        return sendBytes(buf);
    }

    /** Sends bytes as they are, in one read, from a buffer the leak detector tracks. */
    EmbeddedClient sendBytes(byte[] bytes) {
        return sendBytes(ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes));
    }

    private EmbeddedClient sendBytes(ByteBuf bytes) {
        if (!channel.isOpen()) {
            bytes.release();
            throw new AssertionError("the broker closed the connection already");
        }
        channel.writeInbound(bytes); // reads, ends the read (which flushes) and runs the loop's pending tasks
        return this;
    }

    /** Sends CONNECT and returns the CONNACK, the only packet it answered with. */
    ConnAck connect(Connect connect) {
        send(connect);
        List<MqttPacket> answer = received();
        assertThat(answer).hasSize(1).first().isInstanceOf(ConnAck.class);
        return (ConnAck) answer.get(0);
    }

    /** Connects with the given client identifier and clean start, keep-alive off and no properties. */
    ConnAck connect(String clientId, boolean cleanStart) {
        return connect(connectPacket(clientId, cleanStart, 0, MqttProperties.EMPTY));
    }

    Connect connectPacket(String clientId, boolean cleanStart, int keepAlive, MqttProperties properties) {
        return new Connect(version, clientId, cleanStart, keepAlive, null, null, null, properties);
    }

    // ------------------------------------------------------------------ packets out

    /** What the broker wrote since the last call, decoded; runs the loop's pending tasks first. */
    List<MqttPacket> received() {
        channel.runPendingTasks();
        readWritten();
        List<MqttPacket> packets = new ArrayList<>();
        MqttPacket p;
        while ((p = decoder.decode(received)) != null) {
            if (p instanceof Publish) {
                toRelease.add((Publish) p);
            }
            packets.add(p);
        }
        assertThat(received.readableBytes()).as("bytes of an incomplete packet").isZero();
        return packets;
    }

    /** The next packet the broker wrote, which must be the only one and of the given type. */
    <T extends MqttPacket> T receivedOnly(Class<T> type) {
        List<MqttPacket> packets = received();
        assertThat(packets).hasSize(1).first().isInstanceOf(type);
        return type.cast(packets.get(0));
    }

    /** The bytes the broker wrote since the last call, undecoded. */
    byte[] receivedBytes() {
        channel.runPendingTasks();
        int start = received.readerIndex();
        readWritten();
        byte[] bytes = ByteBufUtil.getBytes(received, start, received.writerIndex() - start);
        received.readerIndex(received.writerIndex());
        return bytes;
    }

    private void readWritten() {
        Object written;
        while ((written = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) written;
            received.writeBytes(buf);
            buf.release();
        }
    }

    /** Whether the broker left the connection open. */
    boolean isOpen() {
        channel.runPendingTasks();
        return channel.isOpen();
    }

    // ------------------------------------------------------------------ helpers

    /** A PUBLISH whose payload (UTF-8 text) comes from the tracked allocator. */
    static Publish publish(String topic, int qos, int packetId, String payload, MqttProperties properties) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
        buf.writeCharSequence(payload, StandardCharsets.UTF_8);
        return new Publish(topic, qos, false, false, packetId, properties, buf);
    }

    static String text(Publish p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }

    void release() {
        channel.finishAndReleaseAll();
        toRelease.forEach(Publish::release);
        toRelease.clear();
        received.release();
    }
}
