package io.midge.broker.testing;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A bare MQTT client over a plain socket, for the tests that must send exact bytes: malformed packets, protocol
 * violations, and flows no well-behaved client library would produce. It decodes what the broker answers with the
 * codec's client-side decoder (strict, so a wrong answer from the broker fails the test).
 *
 * <p>Received payloads live in an unpooled heap buffer that the garbage collector frees: tests need not release them.
 */
public final class RawClient implements AutoCloseable {
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteBuf received = Unpooled.buffer();
    private MqttVersion version;
    private MqttDecoder decoder;

    public RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        version(MqttVersion.MQTT_3_1_1);
    }

    /** Sets the version the broker's answers are decoded (and packets encoded) with. */
    public RawClient version(MqttVersion newVersion) {
        this.version = newVersion;
        this.decoder = MqttDecoder.forClient(newVersion, MqttDecoder.MAX_PACKET_SIZE);
        return this;
    }

    public RawClient sendHex(String hex) throws IOException {
        return send(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Encodes and sends a packet in the client's version (a Publish is released after encoding). */
    public RawClient send(MqttPacket packet) throws IOException {
        ByteBuf encoded = MqttEncoder.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, packet, version);
        try {
            return send(ByteBufUtil.getBytes(encoded));
        } finally {
            encoded.release();
            if (packet instanceof io.midge.codec.packet.Publish p) {
                p.release();
            }
        }
    }

    /** Connects with clean start and the given client identifier, and checks the CONNACK says success. */
    public ConnAck connect(String clientId) throws IOException {
        return connect(new Connect(version, clientId, true, 0, null, null, null, MqttProperties.EMPTY));
    }

    public ConnAck connect(Connect connect) throws IOException {
        version(connect.version());
        send(connect);
        ConnAck connAck = receive(ConnAck.class);
        if (connAck.reasonCode() != ReasonCode.SUCCESS) {
            throw new AssertionError("CONNECT refused: " + connAck);
        }
        return connAck;
    }

    /** The next packet from the broker; fails if none arrives in time or the connection closes. */
    public MqttPacket receive() throws IOException {
        return receive(DEFAULT_WAIT);
    }

    public <T extends MqttPacket> T receive(Class<T> type) throws IOException {
        MqttPacket packet = receive();
        if (!type.isInstance(packet)) {
            throw new AssertionError("expected " + type.getSimpleName() + " but received " + packet);
        }
        return type.cast(packet);
    }

    public MqttPacket receive(Duration wait) throws IOException {
        MqttPacket packet = poll(wait);
        if (packet == null) {
            throw new AssertionError("no packet from the broker within " + wait);
        }
        return packet;
    }

    /** The next packet, or null when none arrives within the wait. Fails when the connection is closed. */
    public MqttPacket poll(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            MqttPacket packet = decoder.decode(received);
            if (packet != null) {
                packet = detached(packet);
                received.discardReadBytes();
                return packet;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            byte[] chunk = new byte[8192];
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (n < 0) {
                throw new AssertionError("the broker closed the connection");
            }
            received.writeBytes(chunk, 0, n);
        }
    }

    /**
     * A PUBLISH with its payload copied out: the decoded payload is a slice of the receive buffer, whose bytes move
     * when the buffer is compacted for the next packet.
     */
    private static MqttPacket detached(MqttPacket packet) {
        if (!(packet instanceof io.midge.codec.packet.Publish p)) {
            return packet;
        }
        try {
            return new io.midge.codec.packet.Publish(p.topic(), p.qos(), p.retainFlag(), p.dup(), p.packetId(),
                    p.properties(), Unpooled.wrappedBuffer(ByteBufUtil.getBytes(p.payload())));
        } finally {
            p.release();
        }
    }

    /**
     * Waits until the broker closes the connection; returns the packets it sent before (a DISCONNECT, say).
     * Fails when the connection stays open past the wait.
     */
    public java.util.List<MqttPacket> awaitClose(Duration wait) throws IOException {
        java.util.List<MqttPacket> before = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            MqttPacket packet = decoder.decode(received);
            if (packet != null) {
                before.add(packet);
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the broker did not close the connection within " + wait
                        + "; it sent " + before);
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            byte[] chunk = new byte[8192];
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return before; // reset by the broker: closed too
            }
            if (n < 0) {
                return before;
            }
            received.writeBytes(chunk, 0, n);
        }
    }

    public java.util.List<MqttPacket> awaitClose() throws IOException {
        return awaitClose(DEFAULT_WAIT);
    }

    /** Closes the socket without DISCONNECT: to the broker, an unexpected loss of the client. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
