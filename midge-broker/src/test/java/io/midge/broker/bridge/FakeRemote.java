package io.midge.broker.bridge;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A remote broker a test drives packet by packet, for the flows a real broker would not stop in the middle of: it
 * accepts a bridge's connection, answers its CONNACK and SUBACK as told, and sends and expects exactly what the test
 * says (a QoS 2 PUBLISH whose PUBREL it holds back, say). Plain blocking sockets and the codec.
 */
final class FakeRemote implements AutoCloseable {
    private static final int WAIT_MILLIS = 15_000;

    private final ServerSocket server;

    FakeRemote() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        server.setSoTimeout(WAIT_MILLIS);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits for the bridge's next connection and its CONNECT; answers CONNACK with {@code sessionPresent}. */
    Link accept(boolean sessionPresent) throws IOException {
        Socket socket = server.accept();
        socket.setSoTimeout(WAIT_MILLIS);
        socket.setTcpNoDelay(true);
        Link link = new Link(socket);
        Connect connect = link.expect(Connect.class);
        link.version = connect.version();
        link.clientId = connect.clientId();
        link.send(new ConnAck(sessionPresent, ReasonCode.SUCCESS, MqttProperties.EMPTY));
        return link;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** One connection of the bridge. */
    static final class Link implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private final MqttDecoder decoder = MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE);
        MqttVersion version;
        String clientId;

        private Link(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Answers the bridge's SUBSCRIBE, granting what it asked for. */
        Link grantSubscriptions() throws IOException {
            Subscribe subscribe = expect(Subscribe.class);
            List<ReasonCode> granted = new ArrayList<>();
            subscribe.subscriptions().forEach(s -> granted.add(ReasonCode.of(PacketType.SUBACK, s.qos())));
            send(new SubAck(subscribe.packetId(), granted, MqttProperties.EMPTY));
            return this;
        }

        /** Sends the packet (a PUBLISH's payload is released once written). */
        Link send(MqttPacket packet) throws IOException {
            ByteBuf bytes = MqttEncoder.encode(UnpooledByteBufAllocator.DEFAULT, packet, version == null
                    ? MqttVersion.MQTT_3_1_1 : version);
            try {
                out.write(ByteBufUtil.getBytes(bytes));
                out.flush();
            } finally {
                bytes.release();
                ReferenceCountUtil.release(packet);
            }
            return this;
        }

        /** The bridge's next packet but PINGREQ (answered), which must be of the type. */
        <T extends MqttPacket> T expect(Class<T> type) throws IOException {
            while (true) {
                MqttPacket packet = next();
                if (packet instanceof PingReq) {
                    send(PingResp.INSTANCE);
                    continue;
                }
                if (!type.isInstance(packet)) {
                    ReferenceCountUtil.release(packet);
                    throw new AssertionError("expected " + type.getSimpleName() + " from the bridge, not " + packet);
                }
                return type.cast(packet);
            }
        }

        /**
         * The bridge's next packet, whatever it is, PINGREQ unanswered; null once the bridge closed the connection.
         */
        MqttPacket nextOrClosed() throws IOException {
            try {
                return next();
            } catch (EOFException e) {
                return null;
            }
        }

        /** Reads one whole packet (fixed header, Remaining Length, body) and decodes it. */
        private MqttPacket next() throws IOException {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            try {
                raw.write(in.readUnsignedByte());
                int length = 0;
                for (int shift = 0; ; shift += 7) {
                    int b = in.readUnsignedByte();
                    raw.write(b);
                    length |= (b & 0x7F) << shift;
                    if ((b & 0x80) == 0) {
                        break;
                    }
                }
                byte[] body = new byte[length];
                in.readFully(body);
                raw.write(body);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("nothing from the bridge within " + WAIT_MILLIS + " ms", e);
            }
            ByteBuf buffer = Unpooled.wrappedBuffer(raw.toByteArray());
            try {
                return decoder.decode(buffer);
            } finally {
                buffer.release();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
