package io.midge.broker.transport;

import io.midge.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes of a TLS or WebSocket connection as the socket sees them: first in the pipeline, so TLS records
 * and WebSocket frames count as sent. One adder bump per read and per buffer written; shared by all connections. On
 * plain TCP the MQTT bytes are the socket's, and the codec counts them without this handler (see
 * {@code ListenerConfig.Transport#isPlain}).
 */
@Sharable
final class ByteCounter extends ChannelDuplexHandler {
    private final BrokerMetrics metrics;

    ByteCounter(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        metrics.bytesReceived.add(size(msg));
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        metrics.bytesSent.add(size(msg));
        ctx.write(msg, promise);
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
