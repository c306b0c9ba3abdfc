package io.midge.broker.connection;

import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Exact bytes both ways, for the answers that must be byte-exact or must be nothing at all: a 3.x refusal
 * ({@code 20 02 00 01}), or a 3.x connection closed without a single byte (3.x has no server DISCONNECT).
 * {@link io.midge.broker.testing.RawClient} decodes packets; this one does not decode anything.
 */
final class Wire implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ").withUpperCase();

    private final Socket socket;
    private final InputStream in;

    Wire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
    }

    Wire send(String hex) throws IOException {
        socket.getOutputStream().write(HexFormat.of().parseHex(hex.replace(" ", "")));
        socket.getOutputStream().flush();
        return this;
    }

    /** Sends a CONNECT with clean start, the client identifier, keep-alive 0 and no properties. */
    Wire sendConnect(MqttVersion version, String clientId) throws IOException {
        return send(connectHex(version, clientId));
    }

    /** The bytes of a CONNECT with clean start, the client identifier, keep-alive 0 and no properties, as hex. */
    static String connectHex(MqttVersion version, String clientId) {
        Connect connect = new Connect(version, clientId, true, 0, null, null, null, MqttProperties.EMPTY);
        ByteBuf encoded = MqttEncoder.encode(UnpooledByteBufAllocator.DEFAULT, connect, version);
        try {
            return HEX.formatHex(ByteBufUtil.getBytes(encoded));
        } finally {
            encoded.release();
        }
    }

    /** The packets encoded back to back, for sending in one write (a Publish is released after encoding). */
    static byte[] encode(MqttVersion version, MqttPacket... packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (MqttPacket packet : packets) {
            ByteBuf encoded = MqttEncoder.encode(UnpooledByteBufAllocator.DEFAULT, packet, version);
            try {
                out.writeBytes(ByteBufUtil.getBytes(encoded));
            } finally {
                encoded.release();
                if (packet instanceof Publish publish) {
                    publish.release();
                }
            }
        }
        return out.toByteArray();
    }

    /** Exactly {@code count} bytes, as upper-case hex separated by spaces; fails on a close or a timeout first. */
    String read(int count) throws IOException {
        byte[] bytes = new byte[count];
        int read = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (read < count) {
            socket.setSoTimeout(remainingMillis(deadline));
            int n;
            try {
                n = in.read(bytes, read, count - read);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("only " + read + " of " + count + " bytes within " + WAIT + ": "
                        + HEX.formatHex(bytes, 0, read));
            }
            if (n < 0) {
                throw new AssertionError("the broker closed the connection after " + read + " of " + count
                        + " bytes: " + HEX.formatHex(bytes, 0, read));
            }
            read += n;
        }
        return HEX.formatHex(bytes);
    }

    /**
     * Everything the broker sends until it closes the connection (hex, empty for nothing); fails when the
     * connection is still open after the wait.
     */
    String readUntilClose(Duration wait) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] chunk = new byte[1024];
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the broker did not close the connection within " + wait + "; it sent: "
                        + HEX.formatHex(received.toByteArray()));
            } catch (IOException e) {
                return HEX.formatHex(received.toByteArray()); // reset by the broker: closed too
            }
            if (n < 0) {
                return HEX.formatHex(received.toByteArray());
            }
            received.write(chunk, 0, n);
        }
    }

    String readUntilClose() throws IOException {
        return readUntilClose(WAIT);
    }

    /** Whether nothing arrives and the connection stays open for the whole wait (proving a negative). */
    boolean staysSilentAndOpen(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            in.read(); // a byte, or -1 for the end of the stream: either way, not silent and open
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        }
    }

    private static int remainingMillis(long deadline) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            return 1;
        }
        return (int) left;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
