package io.midge.codec;

import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;

/**
 * The strict decoder of one connection's inbound byte stream. It frames packets by their Remaining Length, refuses a
 * packet over the maximum size before its body is buffered, and checks every rule of the packet's form; a broken
 * rule throws {@link MqttCodecException} with the reason code to disconnect with.
 *
 * <p>It is incremental: {@link #decode(ByteBuf)} takes the bytes received so far and returns one packet, or null
 * when the next packet is not complete yet, in which case it consumes nothing. A PUBLISH payload is a retained slice
 * of the input, never a copy.
 *
 * <p>A server-side decoder learns the protocol version from the CONNECT that must come first; a client-side decoder
 * is told it. Each side refuses the packets only the other side may send. Not thread-safe: one per connection.
 */
public final class MqttDecoder {
    /** The largest Remaining Length a four-byte Variable Byte Integer can hold. */
    public static final int MAX_REMAINING_LENGTH = 268_435_455;
    /** The largest packet MQTT can frame: fixed header byte, four length bytes, and the maximum body. */
    public static final int MAX_PACKET_SIZE = MAX_REMAINING_LENGTH + 5;

    private final boolean server;
    private MqttVersion version;
    private int maximumPacketSize;

    private MqttDecoder(boolean server, MqttVersion version, int maximumPacketSize) {
        this.server = server;
        this.version = version;
        setMaximumPacketSize(maximumPacketSize);
    }

    /** A decoder for the packets a client sends to a server; the first must be CONNECT. */
    public static MqttDecoder forServer(int maximumPacketSize) {
        return new MqttDecoder(true, null, maximumPacketSize);
    }

    /** A decoder for the packets a server sends to a client that connected with the given version. */
    public static MqttDecoder forClient(MqttVersion version, int maximumPacketSize) {
        return new MqttDecoder(false, version, maximumPacketSize);
    }

    /** The protocol version of the stream, or null on a server before CONNECT's protocol level was read. */
    public MqttVersion version() {
        return version;
    }

    /** Sets the largest packet accepted, counting the fixed header; larger ones fail with 0x95 Packet too large. */
    public void setMaximumPacketSize(int maximumPacketSize) {
        if (maximumPacketSize < 2) {
            throw new IllegalArgumentException("maximum packet size must be at least 2, not " + maximumPacketSize);
        }
        this.maximumPacketSize = Math.min(maximumPacketSize, MAX_PACKET_SIZE);
    }

    /**
     * Decodes the next packet from {@code in}, advancing its reader index past it; returns null, reading nothing,
     * when the packet is not complete yet.
     */
    public MqttPacket decode(ByteBuf in) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        if (available < 2) {
            return null;
        }
        int firstByte = in.getByte(start) & 0xFF;
        int remainingLength = 0;
        int headerLength = 1;
        while (true) {
            if (headerLength > available - 1) {
                return null; // the Remaining Length itself is still incomplete
            }
            int b = in.getByte(start + headerLength) & 0xFF;
            remainingLength |= (b & 0x7F) << (7 * (headerLength - 1));
            headerLength++;
            if ((b & 0x80) == 0) {
                if (headerLength > 2 && b == 0) {
                    throw MqttCodecException.malformed("MQTT-1.5.5-1",
                            "Remaining Length is not encoded in the minimum number of bytes");
                }
                break;
            }
            if (headerLength == 5) {
                throw MqttCodecException.malformed("§2.1.4", "Remaining Length is longer than four bytes");
            }
        }
        long packetSize = (long) headerLength + remainingLength;
        if (packetSize > maximumPacketSize) {
            throw new MqttCodecException(ReasonCode.PACKET_TOO_LARGE, server ? "MQTT-3.2.2-15" : "MQTT-3.1.2-24",
                    "a packet of " + packetSize + " bytes exceeds the maximum packet size of " + maximumPacketSize);
        }
        PacketType type = FixedHeaderCheck.check(firstByte, server, version);
        if (available < packetSize) {
            return null;
        }
        int bodyStart = start + headerLength;
        int bodyEnd = bodyStart + remainingLength;
        BodyReader reader = new BodyReader(in, bodyStart, bodyEnd, version, server);
        MqttPacket packet = decodeBody(type, firstByte & 0x0F, reader);
        in.readerIndex(bodyEnd);
        return packet;
    }

    private MqttPacket decodeBody(PacketType type, int flags, BodyReader reader) {
        MqttPacket packet = switch (type) {
            case CONNECT -> ConnectDecoder.decode(reader, known -> version = known);
            case CONNACK -> ConnectDecoder.decodeConnAck(reader);
            case PUBLISH -> PublishDecoder.decodePublish(flags, reader);
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> PublishDecoder.decodeFlow(type, reader);
            case SUBSCRIBE -> SubscriptionDecoder.decodeSubscribe(reader);
            case SUBACK -> SubscriptionDecoder.decodeSubAck(reader);
            case UNSUBSCRIBE -> SubscriptionDecoder.decodeUnsubscribe(reader);
            case UNSUBACK -> SubscriptionDecoder.decodeUnsubAck(reader);
            case PINGREQ -> withoutBody(reader, PingReq.INSTANCE);
            case PINGRESP -> withoutBody(reader, PingResp.INSTANCE);
            case DISCONNECT -> DisconnectAuthDecoder.decodeDisconnect(reader);
            case AUTH -> DisconnectAuthDecoder.decodeAuth(reader);
        };
        if (reader.hasRemaining()) {
            if (packet instanceof Publish publish) {
                publish.release();
            }
            throw MqttCodecException.malformed("§2.1.4",
                    type + " has " + reader.remaining() + " bytes beyond its last field");
        }
        return packet;
    }

    private static MqttPacket withoutBody(BodyReader reader, MqttPacket packet) {
        reader.requireNoBody(packet.type());
        return packet;
    }
}
