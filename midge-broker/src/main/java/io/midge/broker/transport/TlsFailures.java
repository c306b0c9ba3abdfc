package io.midge.broker.transport;

import io.midge.broker.link.WarnOncePerMinute;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed TLS (a client that does not trust the certificate, offers no common version, has no client certificate
 * where one is required, or sends no TLS at all) is the client's problem, not the broker's: logged at debug and the
 * connection closed, rather than reported as an unexpected error with a stack trace. On a cluster's link listener
 * ({@link #LINKS}) only nodes connect, so a failure there is a node misconfigured or a stranger: logged as a warning
 * naming the peer and the reason.
 */
@ChannelHandler.Sharable
final class TlsFailures extends ChannelInboundHandlerAdapter {
    static final TlsFailures INSTANCE = new TlsFailures(false);
    static final TlsFailures LINKS = new TlsFailures(true);
    private static final Logger log = LoggerFactory.getLogger(TlsFailures.class);
    /** When each refused link's failure (peer host and reason) was last logged as a warning. */
    private static final WarnOncePerMinute WARNINGS = new WarnOncePerMinute();

    private final boolean links;

    private TlsFailures(boolean links) {
        this.links = links;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tls = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tls instanceof SSLException) {
            if (links) {
                String why = reason(tls);
                SocketAddress peer = ctx.channel().remoteAddress();
                String host = peer instanceof InetSocketAddress inet ? inet.getHostString() : String.valueOf(peer);
                if (WARNINGS.first(host + "\0" + why)) {
                    log.warn("Cluster link from {} refused: TLS failed: {} (does its cluster.tls cert chain to this "
                            + "node's cluster.tls ca?); logged again in a minute if it goes on", peer, why);
                } else {
                    log.debug("Cluster link from {} refused: TLS failed: {}", peer, why);
                }
            } else {
                log.debug("TLS with {} failed: {}", ctx.channel().remoteAddress(), tls.toString());
            }
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }


    /** The innermost message: the one that says what was wrong with the certificate. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String outer = String.valueOf(e.getMessage());
        return t == e || t.getMessage() == null || outer.contains(t.getMessage()) ? outer
                : outer + ": " + t.getMessage();
    }
}
