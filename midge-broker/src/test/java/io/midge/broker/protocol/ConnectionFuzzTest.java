package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.leakdetection.LeakDetectionExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of a whole connection with Jazzer: after a valid CONNECT (of a random version, with random
 * properties and will), the broker's pipeline on an {@link EmbeddedClient} gets a random sequence of reads: raw
 * bytes, fixed headers of every type with random bodies, and well-formed packets with random fields, property sets,
 * packet identifiers and order ({@link FuzzPackets}), sometimes split across reads. A second client subscribed to
 * everything makes the broker route what gets through.
 *
 * <p>For every input: nothing escapes the pipeline and no exception is logged (the handler logs what it catches, at
 * WARN), nor anything at ERROR; whatever the broker writes decodes with the strict client-side decoder; no buffer
 * leaks (checked after each input); and the connection is usable or properly ended: if it is open, PINGREQ gets
 * PINGRESP and a QoS 1 PUBLISH its PUBACK; if it was closed, then in 5.0 by a DISCONNECT with an error reason code
 * unless the client sent DISCONNECT (3.x has no server DISCONNECT, which the client decoder would refuse). The normal
 * build replays the stored inputs; fuzzing runs only when asked (see the README's test section).
 */
class ConnectionFuzzTest {
    static final int MAX_PACKET_SIZE = 4096;
    private static final int CHECK_PACKET_ID = 65535;
    private static final ConcurrentLinkedQueue<String> WARNINGS = new ConcurrentLinkedQueue<>();
    private static final BrokerConfig CONFIG = BrokerConfig.builder()
            .set(ConfigKeys.MAX_PACKET_SIZE, MAX_PACKET_SIZE)
            .set(ConfigKeys.TOPIC_ALIAS_MAXIMUM, 4)
            .set(ConfigKeys.MAX_INFLIGHT, 4)
            .set(ConfigKeys.MAX_QUEUED_MESSAGES, 8)
            .build();

    static {
        // What the handler catches (exceptionCaught) and what a task throws on the loop is logged, not thrown.
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        AppenderBase<ILoggingEvent> recorder = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                // With a throwable: what exceptionCaught logs, or a task that failed on the loop. Without one, a
                // warning is policy at work (a full queue dropping a message), which the fuzz is meant to reach.
                IThrowableProxy t = event.getThrowableProxy();
                if (event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || event.getLevel().isGreaterOrEqual(Level.WARN) && t != null) {
                    WARNINGS.add(event.getLoggerName() + ": " + event.getFormattedMessage()
                            + (t == null ? "" : " " + t.getClassName() + ": " + t.getMessage()));
                }
            }
        };
        recorder.setName("connection-fuzz-warnings");
        recorder.start();
        root.addAppender(recorder);
    }

    /**
     * The input's last byte (read first) picks the version and the mode: 0 to 2 structured (3.1, 3.1.1, 5.0), 3 to
     * 5 a stream (3.1, 3.1.1, 5.0): a fixed valid CONNECT, then the rest of the input in one read, which is the form
     * of the seeds ({@link ConnectionFuzzSeedsTest}) and of their mutations.
     */
    @FuzzTest(maxDuration = "10m")
    void connection(FuzzedDataProvider data) {
        WARNINGS.clear();
        int selector = data.consumeInt(0, 5);
        MqttVersion version = MqttVersion.values()[selector % 3];
        boolean stream = selector >= 3;
        FuzzPackets packets = new FuzzPackets(data, version);
        ShadowDecoder shadow = new ShadowDecoder();
        try (EmbeddedBroker broker = new EmbeddedBroker(CONFIG)) {
            if (stream || data.consumeBoolean()) {
                EmbeddedClient observer = broker.client(MqttVersion.MQTT_5);
                observer.connect("observer", true);
                observer.send(FuzzPackets.subscribeEverything());
                observer.received();
            }
            EmbeddedClient client = broker.client(version);
            Connect connect = stream ? streamConnect(version) : packets.connect();
            ConnAck connAck = client.connect(connect);
            assertThat(connAck.reasonCode()).as("CONNACK to %s", connect).isEqualTo(ReasonCode.SUCCESS);
            shadow.feedConnect(connect, version);

            MqttPacket lastWritten = connAck;
            int reads = stream ? 1 : data.consumeInt(1, 24);
            for (int i = 0; i < reads && client.isOpen() && data.remainingBytes() > 0; i++) {
                lastWritten = send(broker, client, shadow, stream ? data.consumeRemainingAsBytes() : packets.nextRead(),
                        lastWritten);
            }
            if (client.isOpen()) {
                assertThat(shadow.error).as("the broker reads on after a packet the decoder refuses").isNull();
                if (shadow.incomplete()) {
                    // The next bytes complete a packet already begun: whatever they make, it must be handled.
                    lastWritten = send(broker, client, shadow, checkPackets(version), lastWritten);
                } else {
                    assertUsable(client);
                }
            }
            if (!client.isOpen()) {
                assertProperlyClosed(client, shadow, lastWritten);
            }
            client.channel.checkException();
            assertThat(WARNINGS).as("exceptions and errors logged").isEmpty();
        } finally {
            shadow.release();
        }
        LeakDetectionExtension.assertNoLeaksSinceLastCheck();
    }

    /** Sends one read; returns the last packet the broker wrote, so far. */
    private static MqttPacket send(EmbeddedBroker broker, EmbeddedClient client, ShadowDecoder shadow, byte[] bytes,
                                   MqttPacket lastWritten) {
        shadow.feed(bytes);
        client.sendBytes(bytes);
        client.channel.checkException();
        broker.runPendingTasks();
        List<MqttPacket> written = client.received(); // decoded strictly: a malformed answer throws
        client.channel.checkException();
        assertThat(WARNINGS).as("exceptions and errors logged").isEmpty();
        return written.isEmpty() ? lastWritten : written.get(written.size() - 1);
    }

    /** The final check's PINGREQ and QoS 1 PUBLISH, as bytes. */
    private static byte[] checkPackets(MqttVersion version) {
        ByteBuf ping = MqttEncoder.encode(ByteBufAllocator.DEFAULT, PingReq.INSTANCE, version);
        Publish packet = checkPublish();
        ByteBuf publish = MqttEncoder.encode(ByteBufAllocator.DEFAULT, packet, version);
        packet.release();
        try {
            byte[] bytes = new byte[ping.readableBytes() + publish.readableBytes()];
            ping.readBytes(bytes, 0, ping.readableBytes());
            publish.readBytes(bytes, bytes.length - publish.readableBytes(), publish.readableBytes());
            return bytes;
        } finally {
            ping.release();
            publish.release();
        }
    }

    /** A QoS 1 PUBLISH with an identifier the fuzz packets never use; its payload from the tracked allocator. */
    private static Publish checkPublish() {
        return EmbeddedClient.publish("fuzz/check", 1, CHECK_PACKET_ID, "check", MqttProperties.EMPTY);
    }

    /** The CONNECT of stream mode: client "fuzz", clean start, no keep-alive, no properties, no will. */
    static Connect streamConnect(MqttVersion version) {
        return new Connect(version, "fuzz", true, 0, null, null, null, MqttProperties.EMPTY);
    }

    /** The next valid packets work: PINGREQ gets PINGRESP, a QoS 1 PUBLISH its PUBACK. */
    private static void assertUsable(EmbeddedClient client) {
        client.send(PingReq.INSTANCE);
        assertThat(client.received()).as("answer to PINGREQ after the random packets")
                .anySatisfy(p -> assertThat(p).isInstanceOf(PingResp.class));
        client.send(checkPublish());
        List<MqttPacket> answer = client.received();
        assertThat(answer).as("answer to a QoS 1 PUBLISH after the random packets")
                .filteredOn(p -> p instanceof PubAck && ((PubAck) p).packetId() == CHECK_PACKET_ID)
                .singleElement()
                // 0x97 when a subscriber's queue is full and the policy drops the message (the observer never reads).
                .satisfies(p -> assertThat(((PubAck) p).reasonCode()).as("reason code of %s", p).isIn(
                        ReasonCode.SUCCESS, ReasonCode.NO_MATCHING_SUBSCRIBERS, ReasonCode.QUOTA_EXCEEDED));
        assertThat(client.isOpen()).as("open after PINGREQ and a valid PUBLISH").isTrue();
    }

    /**
     * A closed 5.0 connection was told why with an error reason code, unless the client said DISCONNECT; a 3.x
     * connection is closed without a word, which the client decoder already checked.
     */
    private static void assertProperlyClosed(EmbeddedClient client, ShadowDecoder shadow, MqttPacket packet) {
        if (client.version != MqttVersion.MQTT_5 || shadow.clientDisconnected) {
            return;
        }
        assertThat(packet).as("the last packet before the close").isInstanceOf(Disconnect.class);
        assertThat(((Disconnect) packet).reasonCode().isError()).as("reason code of %s", packet).isTrue();
    }

    /**
     * Decodes what the client sent as the broker's decoder should, to know whether the client sent DISCONNECT before
     * anything broke the stream.
     */
    static final class ShadowDecoder {
        private final MqttDecoder decoder = MqttDecoder.forServer(MAX_PACKET_SIZE);
        private final ByteBuf stream = ByteBufAllocator.DEFAULT.buffer();
        boolean clientDisconnected;
        MqttCodecException error;

        void feedConnect(Connect connect, MqttVersion version) {
            ByteBuf bytes = MqttEncoder.encode(ByteBufAllocator.DEFAULT, connect, version);
            stream.writeBytes(bytes);
            bytes.release();
            decodeAvailable();
        }

        void feed(byte[] bytes) {
            stream.writeBytes(bytes);
            decodeAvailable();
        }

        private void decodeAvailable() {
            while (error == null && !clientDisconnected) {
                MqttPacket packet;
                try {
                    packet = decoder.decode(stream);
                } catch (MqttCodecException e) {
                    error = e;
                    return;
                }
                if (packet == null) {
                    return;
                }
                clientDisconnected = packet instanceof Disconnect;
                ReferenceCountUtil.release(packet);
            }
        }

        /** Whether the bytes sent end inside a packet. */
        boolean incomplete() {
            return error == null && !clientDisconnected && stream.isReadable();
        }

        void release() {
            stream.release();
        }
    }
}
