package io.midge.broker.transport;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.protocol.MqttConnection;
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
 * {@code ListenerConfig.Transport#isPlain}). The connection's own figures are its {@link MqttConnection}'s, the
 * pipeline's last handler: found in O(1) ({@code pipeline().last()} is the tail's neighbour), so counting per
 * connection costs no object.
 */
@Sharable
final class ByteCounter extends ChannelDuplexHandler {
    private final BrokerMetrics metrics;

    ByteCounter(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = size(msg);
        metrics.bytesReceived.add(n);
        if (ctx.pipeline().last() instanceof MqttConnection connection) {
            connection.bytesRead(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = size(msg);
        metrics.bytesSent.add(n);
        if (ctx.pipeline().last() instanceof MqttConnection connection) {
            connection.bytesWritten(n);
        }
        ctx.write(msg, promise);
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
