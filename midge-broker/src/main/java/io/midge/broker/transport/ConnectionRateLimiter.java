package io.midge.broker.transport;

import io.midge.broker.limits.ConnectionLimits;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in a new connection's pipeline when max-connection-rate is set: a connection from an address that opened
 * more than that many in the last second is closed at once, before a byte is read (and before it counts as
 * accepted). MQTT has no way to say why before CONNECT, and answering at CONNECT would let a flood cost a decoder
 * and a timer each. Admitted connections go on without it.
 */
@ChannelHandler.Sharable
final class ConnectionRateLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionRateLimiter.class);

    private final ConnectionLimits limits;

    ConnectionRateLimiter(ConnectionLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote && !limits.admit(remote.getAddress())) {
            log.debug("{}: over max-connection-rate, closed", remote);
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }
}
