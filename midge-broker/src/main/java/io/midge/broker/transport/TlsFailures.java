package io.midge.broker.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed TLS (a client that does not trust the certificate, offers no common version, has no client certificate
 * where one is required, or sends no TLS at all) is the client's problem, not the broker's: logged at debug and the
 * connection closed, rather than reported as an unexpected error with a stack trace.
 */
@ChannelHandler.Sharable
final class TlsFailures extends ChannelInboundHandlerAdapter {
    static final TlsFailures INSTANCE = new TlsFailures();
    private static final Logger log = LoggerFactory.getLogger(TlsFailures.class);

    private TlsFailures() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tls = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tls instanceof SSLException) {
            log.debug("TLS with {} failed: {}", ctx.channel().remoteAddress(), tls.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
