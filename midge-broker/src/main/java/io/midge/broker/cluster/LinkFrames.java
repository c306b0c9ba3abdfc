package io.midge.broker.cluster;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/** The client end of a link speaks MQTT 5 with the codec the broker speaks, both ways. */
final class LinkFrames {
    private LinkFrames() {
    }

    /** Frames what the other node answers (CONNACK, AUTH, acknowledgements); a violation closes the link. */
    static final class Decoder extends ByteToMessageDecoder {
        private final MqttDecoder decoder = MqttDecoder.forClient(MqttVersion.MQTT_5, MqttDecoder.MAX_PACKET_SIZE);

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            try {
                MqttPacket packet = decoder.decode(in);
                if (packet != null) {
                    out.add(packet);
                }
            } catch (MqttCodecException e) {
                in.skipBytes(in.readableBytes());
                ctx.close();
            }
        }
    }

    /** Encodes packets; a PUBLISH's payload reference is released once its bytes are in the outbound buffer. */
    static final class Encoder extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof MqttPacket packet) {
                ByteBuf encoded;
                try {
                    encoded = MqttEncoder.encode(ctx.alloc(), packet, MqttVersion.MQTT_5);
                } finally {
                    if (packet instanceof Publish publish) {
                        publish.release();
                    }
                }
                ctx.write(encoded, promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }
}
