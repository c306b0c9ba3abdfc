package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.session.Session;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A subscriber that stops reading holds no more of the broker's memory than its queue's bounds plus Netty's outbound
 * buffer (its high watermark) and the socket's buffers, however much is published to it; what does not fit is
 * dropped and counted, and the broker keeps serving everyone else meanwhile.
 */
class SlowSubscriberTest {
    private static final long QUEUE_BYTES = 1 << 20;
    private static final int PAYLOAD = 4096;
    /** 12 MiB published at the subscriber per flood, twice: twenty-four times its queue in all. */
    private static final int MESSAGES = 3072;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_QUEUED_BYTES, QUEUE_BYTES)
            .set(MAX_QUEUED_MESSAGES, 1_000_000));

    @Test
    @DisplayName("A subscriber that never reads holds at most its queue bound (max-queued-bytes) plus the outbound "
            + "buffer of the broker's memory; the rest is dropped and counted, and PINGREQ and new CONNECTs are "
            + "answered meanwhile")
    void aSubscriberThatNeverReadsCannotGrowTheBrokersMemory() throws Exception {
        try (Socket stalled = new Socket()) {
            // A small receive window, so that the kernel holds little of what the broker wrote before it gives up.
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), broker.port()));
            OutputStream out = stalled.getOutputStream();
            InputStream in = stalled.getInputStream();
            // CONNECT (3.1.1, client "stalled", clean session) and SUBSCRIBE stalled/# at QoS 1.
            out.write(HexFormat.of().parseHex("101300044d5154540402003c00077374616c6c6564"));
            out.write(HexFormat.of().parseHex("820e000100097374616c6c65642f2301"));
            out.flush();
            assertThat(in.readNBytes(4)).containsExactly(0x20, 0x02, 0x00, 0x00);
            assertThat(in.readNBytes(5)).containsExactly(0x90, 0x03, 0x00, 0x01, 0x01);
            // From here on the subscriber reads nothing.

            long droppedBefore = broker.broker().metrics().droppedQueueFull.sum();
            long afterFirst = flood();
            long afterSecond = flood();

            // Everyone else is still served while the subscriber is stalled.
            try (RawClient newcomer = new RawClient(broker.port())) {
                newcomer.connect("newcomer");
                newcomer.send(PingReq.INSTANCE);
                newcomer.receive(PingResp.class);
            }

            Session session = broker.broker().sessions().get("stalled");
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().metrics().droppedQueueFull.sum()
                    - droppedBefore > 0);
            assertThat(session.queue().pendingBytes()).isLessThanOrEqualTo(QUEUE_BYTES);
            long dropped = broker.broker().metrics().droppedQueueFull.sum() - droppedBefore;
            long published = 2L * MESSAGES;
            // Every message not dropped is still held somewhere: the session's queue, Netty's outbound buffer (high
            // watermark 128 KiB) or the kernel's socket buffers (not the broker's heap, up to a few MiB on loopback).
            long held = (published - dropped) * PAYLOAD;
            System.out.printf("slow subscriber: %d MiB published, %d dropped, held %d KiB (queue %d KiB); JVM-wide "
                    + "direct memory %d KiB after the first flood, %d KiB after the second%n",
                    published * PAYLOAD >> 20, dropped, held >> 10, session.queue().pendingBytes() >> 10,
                    afterFirst >> 10, afterSecond >> 10);
            assertThat(held).as("bytes not dropped of %d MiB published", published * PAYLOAD >> 20)
                    .isLessThanOrEqualTo(QUEUE_BYTES + (128 << 10) + kernelSendBufferMax());
        }
    }

    /** Publishes MESSAGES at the stalled subscriber and gives the direct memory in use once the broker read them. */
    private long flood() throws Exception {
        try (RawClient publisher = new RawClient(broker.port())) {
            publisher.connect("flood");
            byte[] payload = new byte[PAYLOAD];
            for (int i = 0; i < MESSAGES; i++) {
                publisher.send(new Publish("stalled/t", 0, false, false, 0, MqttProperties.EMPTY,
                        Unpooled.wrappedBuffer(payload)));
            }
            // The broker answers in order: its PINGRESP means it has read and routed every publish before it.
            publisher.send(PingReq.INSTANCE);
            publisher.receive(PingResp.class);
        }
        return PlatformDependent.usedDirectMemory();
    }

    /** The most a socket's send buffer may grow to (tcp_wmem's third figure), 4 MiB where it cannot be read. */
    private static long kernelSendBufferMax() {
        try {
            String[] figures = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).strip().split("\\s+");
            return Long.parseLong(figures[2]);
        } catch (Exception e) {
            return 4L << 20;
        }
    }
}
