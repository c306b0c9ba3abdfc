package io.midge.broker.bridge;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * The bridge speaks to the remote as a client, in the remote's MQTT version, with the codec the broker speaks. (The
 * cluster's links have their own pair, MQTT 5 only; the cluster package may not use this one.)
 */
final class BridgeFrames {
    private BridgeFrames() {
    }

    /** Frames what the remote sends; a malformed packet closes the link (the remote's fault, logged). */
    static final class Decoder extends ByteToMessageDecoder {
        private final MqttDecoder decoder;
        private final String bridge;

        Decoder(MqttVersion version, String bridge) {
            this.decoder = MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE);
            this.bridge = bridge;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            try {
                MqttPacket packet = decoder.decode(in);
                if (packet != null) {
                    out.add(packet);
                }
            } catch (MqttCodecException e) {
                in.skipBytes(in.readableBytes());
                ctx.fireExceptionCaught(new IllegalStateException("bridge '" + bridge
                        + "': the remote sent a malformed packet: " + e.getMessage(), e));
            }
        }
    }

    /** Encodes packets; a PUBLISH's payload reference is released once its bytes are in the outbound buffer. */
    static final class Encoder extends ChannelOutboundHandlerAdapter {
        private final MqttVersion version;

        Encoder(MqttVersion version) {
            this.version = version;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof MqttPacket packet) {
                ByteBuf encoded;
                try {
                    encoded = MqttEncoder.encode(ctx.alloc(), packet, version);
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

    /** MQTT over WebSocket: packets' bytes out in binary frames, binary frames' content in as plain bytes. */
    static final class WebSocketBytes extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ctx.fireChannelRead(((WebSocketFrame) msg).content());
            } else if (msg instanceof WebSocketFrame frame) {
                ReferenceCountUtil.release(frame); // text frames have no place in MQTT; Netty answers pings
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf bytes) {
                ctx.write(new BinaryWebSocketFrame(bytes), promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }
}
