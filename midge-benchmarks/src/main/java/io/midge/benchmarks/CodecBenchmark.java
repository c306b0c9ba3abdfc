package io.midge.benchmarks;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of decoding and encoding one PUBLISH and one CONNECT, in nanoseconds per packet.
 *
 * <p>Decoding reads the same pre-encoded bytes again and again (the reader index is reset before each call), so
 * that what is measured is the decoder and not the producing of input. PUBLISH goes through a client-side decoder,
 * which accepts PUBLISH without a CONNECT first; CONNECT needs a fresh server-side decoder each time, as a server
 * decoder takes one CONNECT only. Every decoded PUBLISH and every encoded buffer is released, so the pooled
 * allocator recycles the same memory and the benchmark does not leak; each trial checks that at its end.
 *
 * <p>The PUBLISH and CONNECT benchmarks use separate state classes so that the CONNECT ones are not repeated for
 * each payload size.
 *
 * <p>The broker encodes and decodes on Netty event-loop threads, which get a pooled allocator thread cache. Netty
 * 4.2 gives none to other threads, JMH's among them, unless {@code io.netty.allocator.useCacheForAllThreads} is
 * set; the fork sets it so that buffers come from the thread cache as they would in the broker. Netty's other
 * defaults are left alone: on JDK 25 it does not use {@code sun.misc.Unsafe} unless the JVM is started with
 * {@code --sun-misc-unsafe-memory-access=allow}, and the leak detector samples at its default level.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.allocator.useCacheForAllThreads=true")
public class CodecBenchmark {
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** A QoS 1 PUBLISH, with six properties in 5.0 (3.1.1 has none), and its encoded form. */
    @State(Scope.Thread)
    public static class PublishState {
        @Param({"16", "65536"})
        public int payloadSize;

        @Param({"MQTT_3_1_1", "MQTT_5"})
        public MqttVersion version;

        Publish publish;
        /** The encoded PUBLISH in one contiguous buffer, as a socket read would deliver it. */
        ByteBuf wire;
        MqttDecoder decoder;

        @Setup(Level.Trial)
        public void setUp() {
            ByteBuf payload = ALLOC.buffer(payloadSize);
            payload.writeBytes(randomBytes(payloadSize));
            MqttProperties properties = version.isV5()
                    ? MqttProperties.builder()
                            .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 3600)
                            .add(PropertyId.CONTENT_TYPE, "application/json")
                            .add(PropertyId.RESPONSE_TOPIC, "replies/gateway-0042")
                            .add(PropertyId.CORRELATION_DATA, Binary.utf8("request-7f3a9c"))
                            .userProperty("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736")
                            .userProperty("origin", "building-7/gateway-0042")
                            .build()
                    : MqttProperties.EMPTY;
            publish = new Publish("sensors/building-7/floor-3/room-12/temperature", 1, false, false, 4711,
                    properties, payload);
            wire = contiguous(MqttEncoder.encode(ALLOC, publish, version));
            decoder = MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE);

            MqttPacket decoded = decoder.decode(wire);
            try {
                if (!publish.equals(decoded) || wire.isReadable()) {
                    throw new IllegalStateException("the PUBLISH does not survive encoding and decoding: " + decoded);
                }
            } finally {
                ((Publish) decoded).release();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            checkOneReference(wire, "the encoded PUBLISH");
            checkOneReference(publish.payload(), "the PUBLISH payload");
            wire.release();
            publish.release();
        }
    }

    /** A CONNECT with user name, password and will; in 5.0 with properties and will properties as well. */
    @State(Scope.Thread)
    public static class ConnectState {
        @Param({"MQTT_3_1_1", "MQTT_5"})
        public MqttVersion version;

        Connect connect;
        ByteBuf wire;

        @Setup(Level.Trial)
        public void setUp() {
            boolean v5 = version.isV5();
            MqttProperties willProperties = v5
                    ? MqttProperties.builder()
                            .add(PropertyId.WILL_DELAY_INTERVAL, 30)
                            .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 86_400)
                            .add(PropertyId.CONTENT_TYPE, "text/plain")
                            .build()
                    : MqttProperties.EMPTY;
            MqttProperties properties = v5
                    ? MqttProperties.builder()
                            .add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600)
                            .add(PropertyId.RECEIVE_MAXIMUM, 100)
                            .add(PropertyId.MAXIMUM_PACKET_SIZE, 1_048_576)
                            .add(PropertyId.TOPIC_ALIAS_MAXIMUM, 16)
                            .add(PropertyId.REQUEST_PROBLEM_INFORMATION, 1)
                            .userProperty("firmware", "2.4.1")
                            .userProperty("site", "building-7")
                            .build()
                    : MqttProperties.EMPTY;
            Will will = new Will("status/building-7/gateway-0042", Binary.utf8("offline"), 1, true, willProperties);
            connect = new Connect(version, "gateway-0042", true, 60, "gateway", Binary.utf8("s3cret-token-5e1d"),
                    will, properties);
            wire = contiguous(MqttEncoder.encode(ALLOC, connect, version));

            MqttPacket decoded = MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE).decode(wire);
            if (!connect.equals(decoded) || wire.isReadable()) {
                throw new IllegalStateException("the CONNECT does not survive encoding and decoding: " + decoded);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            checkOneReference(wire, "the encoded CONNECT");
            wire.release();
        }
    }

    @Benchmark
    public void decodePublish(PublishState state, Blackhole blackhole) {
        ByteBuf wire = state.wire;
        wire.readerIndex(0);
        MqttPacket packet = state.decoder.decode(wire);
        blackhole.consume(packet);
        ((Publish) packet).release(); // the payload is a retained slice of the wire buffer
    }

    @Benchmark
    public void encodePublish(PublishState state, Blackhole blackhole) {
        ByteBuf out = MqttEncoder.encode(ALLOC, state.publish, state.version);
        blackhole.consume(out);
        out.release();
    }

    @Benchmark
    public void decodeConnect(ConnectState state, Blackhole blackhole) {
        ByteBuf wire = state.wire;
        wire.readerIndex(0);
        // A decoded CONNECT holds no buffer (its binary fields are copies), so there is nothing to release.
        blackhole.consume(MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE).decode(wire));
    }

    @Benchmark
    public void encodeConnect(ConnectState state, Blackhole blackhole) {
        ByteBuf out = MqttEncoder.encode(ALLOC, state.connect, state.version);
        blackhole.consume(out);
        out.release();
    }

    /** The bytes of a possibly composite buffer in one pooled buffer; releases {@code encoded}. */
    static ByteBuf contiguous(ByteBuf encoded) {
        try {
            ByteBuf copy = ALLOC.buffer(encoded.readableBytes());
            copy.writeBytes(encoded, encoded.readerIndex(), encoded.readableBytes());
            return copy;
        } finally {
            encoded.release();
        }
    }

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(42).nextBytes(bytes);
        return bytes;
    }

    /** Fails the trial when a benchmark leaked (or over-released) a reference to a long-lived buffer. */
    static void checkOneReference(ByteBuf buf, String what) {
        if (buf.refCnt() != 1) {
            throw new IllegalStateException(what + " has " + buf.refCnt() + " references at the end, not 1");
        }
    }
}
