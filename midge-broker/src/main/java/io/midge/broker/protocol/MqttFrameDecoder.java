package io.midge.broker.protocol;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.packet.MqttPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Frames the inbound stream into packets with the codec's strict decoder. A violation is passed on as the
 * {@link MqttCodecException} itself, so that {@link MqttConnection} answers it like any other; after it the rest of
 * the stream is ignored, as its framing can no longer be trusted.
 */
public final class MqttFrameDecoder extends ByteToMessageDecoder {
    private final MqttDecoder decoder;
    /** Where the bytes read are counted when they are the socket's (plain TCP); null when a handler in front does. */
    private final LongAdder socketBytes;
    private boolean failed;

    public MqttFrameDecoder(int maximumPacketSize, LongAdder socketBytes) {
        this.decoder = MqttDecoder.forServer(maximumPacketSize);
        this.socketBytes = socketBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (socketBytes != null && msg instanceof ByteBuf buf) {
            socketBytes.add(buf.readableBytes());
            if (ctx.pipeline().last() instanceof MqttConnection connection) {
                connection.bytesRead(buf.readableBytes()); // its own figure, as ByteCounter tells it elsewhere
            }
        }
        super.channelRead(ctx, msg);
    }

    /** The decoder, whose version tells which protocol a failed CONNECT spoke. */
    public MqttDecoder decoder() {
        return decoder;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            MqttPacket packet = decoder.decode(in);
            if (packet != null) {
                out.add(packet);
            }
        } catch (MqttCodecException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(e);
        }
    }
}
