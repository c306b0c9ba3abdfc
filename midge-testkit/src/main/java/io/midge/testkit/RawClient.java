package io.midge.testkit;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.ReceivedBytes.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The raw MQTT client of every module's tests: a plain socket, for the tests that must send exact bytes (malformed
 * packets, protocol violations, flows no well-behaved client library would produce) or check exact answers.
 *
 * <p>What the broker sends can be taken in two ways, from the one stream of received bytes:
 * <ul>
 *   <li>as packets ({@link #receive}, {@link #poll}, {@link #awaitClose}), decoded with the codec's strict
 *       client-side decoder in the client's {@link #version}, so that a wrong answer from the broker fails the test;
 *   <li>as exact bytes in hex ({@link #read}, {@link #readUntilClose}, {@link #staysSilentAndOpen}), for answers that
 *       must be byte-exact or nothing at all: a 3.x refusal ({@code 20 02 00 01}), or a 3.x connection closed without
 *       a single byte (3.x has no server DISCONNECT).
 * </ul>
 *
 * <p>Hex is written and read as pairs of digits; what the client reads is upper case, separated by single spaces.
 * Received payloads are copied to heap buffers that the garbage collector frees: tests need not release them.
 */
public final class RawClient implements AutoCloseable {
    /** How long the client waits for what must arrive, or for the broker to close the connection. */
    public static final Duration WAIT = Duration.ofSeconds(5);
    /** How long a test listens to prove that a packet does NOT arrive. */
    public static final Duration QUIET = Duration.ofMillis(300);

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ").withUpperCase();

    private final Socket socket;
    private final OutputStream out;
    private final ReceivedBytes received;
    private MqttVersion version;
    private MqttDecoder decoder;

    /** Opens a socket to the port on 127.0.0.1; the MQTT connection starts with the CONNECT the test sends. */
    public RawClient(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Opens a socket from the local address (127.0.0.2, say), for the limits the broker keeps per client address. */
    public RawClient(int port, InetAddress localAddress) throws IOException {
        this(new Socket(InetAddress.getLoopbackAddress(), port, localAddress, 0));
    }

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        try {
            socket.setTcpNoDelay(true);
            this.out = socket.getOutputStream();
            this.received = new ReceivedBytes(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        version(MqttVersion.MQTT_3_1_1);
    }

    /** A client connected to the port with the CONNECT; fails (and closes the socket) unless CONNACK says success. */
    public static RawClient connected(int port, Connect connect) throws IOException {
        RawClient client = new RawClient(port);
        try {
            client.connect(connect);
        } catch (IOException | RuntimeException | AssertionError e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** Sets the version the client encodes packets in and decodes the broker's answers with (3.1.1 at first). */
    public RawClient version(MqttVersion newVersion) {
        this.version = newVersion;
        this.decoder = MqttDecoder.forClient(newVersion, MqttDecoder.MAX_PACKET_SIZE);
        return this;
    }

    // ------------------------------------------------------------------ sending

    /** Sends the bytes written as hex, e.g. {@code "C0 00"}; whitespace between the digits is ignored. */
    public RawClient sendHex(String hex) throws IOException {
        return send(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Encodes the packets in the client's version and sends them in one write (so that the broker may well read them
     * together); each Publish is released once encoded.
     */
    public RawClient send(MqttPacket... packets) throws IOException {
        return send(encode(version, packets));
    }

    /**
     * Sets the version and sends a CONNECT with clean start, keep-alive 0 and no properties, leaving the answer
     * unread: for the tests that check its exact bytes.
     */
    public RawClient sendConnect(MqttVersion connectVersion, String clientId) throws IOException {
        return version(connectVersion).send(TestPackets.connect(connectVersion, clientId));
    }

    /** The bytes of {@link #sendConnect}'s CONNECT as hex, to send together with packets written by hand. */
    public static String connectHex(MqttVersion version, String clientId) {
        return HEX.formatHex(encode(version, TestPackets.connect(version, clientId)));
    }

    private static byte[] encode(MqttVersion version, MqttPacket... packets) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            for (MqttPacket packet : packets) {
                ByteBuf encoded = MqttEncoder.encode(UnpooledByteBufAllocator.DEFAULT, packet, version);
                try {
                    bytes.writeBytes(ByteBufUtil.getBytes(encoded));
                } finally {
                    encoded.release();
                }
            }
        } finally {
            // Sending hands the payloads over, as a client library does; released even when encoding failed.
            for (MqttPacket packet : packets) {
                if (packet instanceof Publish publish) {
                    publish.release();
                }
            }
        }
        return bytes.toByteArray();
    }

    // ------------------------------------------------------------------ connecting

    /** Connects with clean start and the client identifier in the client's version; fails unless CONNACK is success. */
    public ConnAck connect(String clientId) throws IOException {
        return connect(TestPackets.connect(version, clientId));
    }

    /** Sends the CONNECT (switching to its version) and returns the CONNACK; fails unless it says success. */
    public ConnAck connect(Connect connect) throws IOException {
        ConnAck connAck = connAck(connect);
        if (connAck.reasonCode() != ReasonCode.SUCCESS) {
            throw new AssertionError("CONNECT refused: " + connAck);
        }
        return connAck;
    }

    /** Sends the CONNECT (switching to its version) and returns the CONNACK, whatever it says. */
    public ConnAck connAck(Connect connect) throws IOException {
        version(connect.version()).send(connect);
        return receive(ConnAck.class);
    }

    // ------------------------------------------------------------------ receiving packets

    /** The next packet from the broker; fails if none arrives within {@link #WAIT} or the connection closes. */
    public MqttPacket receive() throws IOException {
        return receive(WAIT);
    }

    /** The next packet, which must be of the type. */
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
        long deadline = deadline(wait);
        while (true) {
            MqttPacket packet = nextDecoded();
            if (packet != null) {
                return packet;
            }
            Outcome outcome = received.readMore(deadline);
            if (outcome == Outcome.TIMED_OUT) {
                return null;
            }
            if (outcome == Outcome.CLOSED) {
                throw new AssertionError("the broker closed the connection");
            }
        }
    }

    /** Waits up to {@link #WAIT} for the broker to close the connection; see {@link #awaitClose(Duration)}. */
    public List<MqttPacket> awaitClose() throws IOException {
        return awaitClose(WAIT);
    }

    /**
     * Waits until the broker closes the connection; returns the packets it sent before (a DISCONNECT, say). Fails
     * when the connection stays open past the wait.
     */
    public List<MqttPacket> awaitClose(Duration wait) throws IOException {
        List<MqttPacket> before = new ArrayList<>();
        long deadline = deadline(wait);
        while (true) {
            MqttPacket packet = nextDecoded();
            if (packet != null) {
                before.add(packet);
                continue;
            }
            Outcome outcome;
            try {
                outcome = received.readMore(deadline);
            } catch (IOException e) {
                return before; // reset by the broker: closed too
            }
            if (outcome == Outcome.CLOSED) {
                return before;
            }
            if (outcome == Outcome.TIMED_OUT) {
                throw new AssertionError("the broker did not close the connection within " + wait
                        + "; it sent " + before);
            }
        }
    }

    /** The next complete packet among the bytes received so far, or null. */
    private MqttPacket nextDecoded() {
        ByteBuf buffer = received.buffer();
        MqttPacket packet = decoder.decode(buffer);
        if (packet == null) {
            return null;
        }
        packet = detached(packet);
        buffer.discardReadBytes();
        return packet;
    }

    /**
     * A PUBLISH with its payload copied out: the decoded payload is a slice of the receive buffer, whose bytes move
     * when the buffer is compacted for the next packet.
     */
    private static MqttPacket detached(MqttPacket packet) {
        if (!(packet instanceof Publish p)) {
            return packet;
        }
        try {
            return new Publish(p.topic(), p.qos(), p.retainFlag(), p.dup(), p.packetId(), p.properties(),
                    Unpooled.wrappedBuffer(ByteBufUtil.getBytes(p.payload())));
        } finally {
            p.release();
        }
    }

    // ------------------------------------------------------------------ receiving exact bytes

    /** Exactly {@code count} bytes, as hex; fails when the connection closes or {@link #WAIT} passes first. */
    public String read(int count) throws IOException {
        ByteBuf buffer = received.buffer();
        long deadline = deadline(WAIT);
        while (buffer.readableBytes() < count) {
            Outcome outcome = received.readMore(deadline);
            if (outcome == Outcome.TIMED_OUT) {
                throw new AssertionError("only " + buffer.readableBytes() + " of " + count + " bytes within " + WAIT
                        + ": " + hex(buffer));
            }
            if (outcome == Outcome.CLOSED) {
                throw new AssertionError("the broker closed the connection after " + buffer.readableBytes() + " of "
                        + count + " bytes: " + hex(buffer));
            }
        }
        String bytes = hex(buffer.readSlice(count));
        buffer.discardReadBytes();
        return bytes;
    }

    /** Everything the broker sends until it closes the connection within {@link #WAIT}; see below. */
    public String readUntilClose() throws IOException {
        return readUntilClose(WAIT);
    }

    /**
     * Everything the broker sends until it closes the connection, as hex (empty for nothing); fails when the
     * connection is still open after the wait.
     */
    public String readUntilClose(Duration wait) throws IOException {
        ByteBuf buffer = received.buffer();
        long deadline = deadline(wait);
        while (true) {
            Outcome outcome;
            try {
                outcome = received.readMore(deadline);
            } catch (IOException e) {
                outcome = Outcome.CLOSED; // reset by the broker: closed too
            }
            if (outcome == Outcome.CLOSED) {
                String bytes = hex(buffer);
                buffer.clear();
                return bytes;
            }
            if (outcome == Outcome.TIMED_OUT) {
                throw new AssertionError("the broker did not close the connection within " + wait + "; it sent: "
                        + hex(buffer));
            }
        }
    }

    /** Whether nothing arrives and the connection stays open for the whole wait (proving a negative). */
    public boolean staysSilentAndOpen(Duration wait) throws IOException {
        if (received.buffer().isReadable()) {
            return false; // received already, and not taken yet
        }
        return received.readMore(deadline(wait)) == Outcome.TIMED_OUT;
    }

    private static String hex(ByteBuf bytes) {
        return HEX.formatHex(ByteBufUtil.getBytes(bytes));
    }

    private static long deadline(Duration wait) {
        return System.nanoTime() + wait.toNanos();
    }

    /** Closes the socket without DISCONNECT: to the broker, an unexpected loss of the client. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
