package io.midge.client;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.packet.MqttPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames the broker's byte stream into packets with the codec's strict client-side decoder. A violation is passed
 * on as the {@link MqttCodecException} itself, for {@link ClientConnection} to disconnect with its reason code; the
 * rest of the stream is then ignored.
 */
final class ClientFrameDecoder extends ByteToMessageDecoder {
    private final MqttDecoder decoder;
    private boolean failed;

    ClientFrameDecoder(MqttDecoder decoder) {
        this.decoder = decoder;
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
