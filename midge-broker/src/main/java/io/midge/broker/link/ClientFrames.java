package io.midge.broker.link;

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
 * The client end of a link to another broker (a cluster node's link, a bridge) speaks MQTT in the link's version with
 * the codec the broker speaks: these handlers frame what comes in and encode what goes out.
 */
public final class ClientFrames {
    private ClientFrames() {
    }

    /**
     * Frames what the remote sends; a malformed packet is the remote's fault: it goes to the link's handler as an
     * exception naming {@code link} (which logs it and closes the link).
     */
    public static final class Decoder extends ByteToMessageDecoder {
        private final MqttDecoder decoder;
        private final String link;

        public Decoder(MqttVersion version, String link) {
            this.decoder = MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE);
            this.link = link;
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
                ctx.fireExceptionCaught(new IllegalStateException(link + ": the remote sent a malformed packet: "
                        + e.getMessage(), e));
            }
        }
    }

    /**
     * Encodes packets; a PUBLISH's payload reference is released once its bytes are made. The small packets written
     * between two flushes (every acknowledgement, a PUBLISH whose payload the encoder copies) are encoded one after
     * another into one buffer, handed on at the flush: a link carries hundreds of them per flush, and a buffer, an
     * outbound entry and a release each cost more than the encoding (the clients' connections do the same, see
     * ConnectionContext). A packet written with a promise of its own, a PUBLISH whose payload is shared, or anything
     * else, goes on its own, after what was gathered.
     */
    public static final class Encoder extends ChannelOutboundHandlerAdapter {
        /** Gathered bytes are handed on at this size without waiting for the flush, so writability follows them. */
        private static final int GATHER_LIMIT = 16 * 1024;
        private static final int GATHER_INITIAL = 1024;
        private final MqttVersion version;
        private ByteBuf gathered;
        /**
         * How much the last gathered buffer held: the next one starts that large (from {@link #GATHER_INITIAL} up to
         * a little over {@link #GATHER_LIMIT}), since a busy link fills one flush after another to the limit, and a
         * buffer grown from 1 KiB is copied four times on the way to 16 KiB.
         */
        private int lastGathered = GATHER_INITIAL;

        public Encoder(MqttVersion version) {
            this.version = version;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof MqttPacket packet && promise.isVoid() && !MqttEncoder.sharesPayload(packet)) {
                if (gathered == null) {
                    gathered = ctx.alloc().ioBuffer(lastGathered);
                }
                try {
                    MqttEncoder.encodeInto(gathered, packet, version);
                } finally {
                    if (packet instanceof Publish publish) {
                        publish.release();
                    }
                }
                if (gathered.readableBytes() >= GATHER_LIMIT) {
                    handOver(ctx);
                }
                return;
            }
            handOver(ctx);
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

        @Override
        public void flush(ChannelHandlerContext ctx) {
            handOver(ctx);
            ctx.flush();
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            dropGathered(); // a close discards what was written and not flushed, these bytes too
            ctx.close(promise);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            dropGathered();
        }

        private void handOver(ChannelHandlerContext ctx) {
            ByteBuf bytes = gathered;
            if (bytes != null) {
                gathered = null;
                lastGathered = Math.max(GATHER_INITIAL, Math.min(bytes.readableBytes(), GATHER_LIMIT + GATHER_INITIAL));
                ctx.write(bytes, ctx.voidPromise());
            }
        }

        private void dropGathered() {
            ByteBuf bytes = gathered;
            if (bytes != null) {
                gathered = null;
                bytes.release();
            }
        }
    }

    /** MQTT over WebSocket: packets' bytes out in binary frames, binary frames' content in as plain bytes. */
    public static final class WebSocketBytes extends ChannelDuplexHandler {
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
