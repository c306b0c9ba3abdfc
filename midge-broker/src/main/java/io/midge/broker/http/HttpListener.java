package io.midge.broker.http;

import io.midge.broker.config.HttpConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.security.Authenticator;
import io.midge.broker.transport.ListenerException;
import io.midge.broker.transport.ReloadingSslContext;
import io.midge.broker.transport.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * The HTTP listener: Netty's HTTP/1.1 codec on the broker's own event loops (the pages are small, and a second web
 * server would bring a second set of threads and buffers), with TLS as the MQTT listeners have it.
 */
public final class HttpListener {
    /** The smallest body limit: a publish of a small message, a login. */
    static final int MIN_BODY_BYTES = 256 * 1024;
    /** The largest: a body is held whole in memory until it is handled. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    /** The pipeline's idle timeout, which an event stream takes out. */
    static final String IDLE_HANDLER = "idle";
    /** An idle connection is closed after this, so that clients that never finish cost nothing for long. */
    private static final int IDLE_SECONDS = 60;

    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final boolean secure;

    private HttpListener(Channel serverChannel, ChannelGroup connections, boolean secure) {
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.secure = secure;
    }

    /**
     * Binds the listener. An address that cannot be bound or a certificate that cannot be used stops it with a
     * {@link ListenerException}; so does a listener that asks for credentials with nothing to check them against.
     */
    public static HttpListener bind(HttpConfig config, EventLoopGroup group, ApiContext api)
            throws InterruptedException {
        BrokerContext broker = api.broker();
        BrokerMetrics metrics = broker.metrics();
        checkCanLogIn(config, broker.authenticator());
        ReloadingSslContext tls = config.tls() == null ? null : ReloadingSslContext.load("http", config.tls());
        HttpLogin login = new HttpLogin(config.anonymousAllowed(), broker.authenticator(), broker.authorizer());
        DashboardFiles dashboard = new DashboardFiles();
        ChannelGroup connections = new DefaultChannelGroup("http-connections", GlobalEventExecutor.INSTANCE);
        Channel[] bound = new Channel[1];
        ListenersResource listeners = new ListenersResource(api, () -> new ApiContext.ListenerView("http",
                tls != null ? "https" : "http", config.host(), bound[0] == null ? config.bindPort()
                : ((InetSocketAddress) bound[0].localAddress()).getPort(), connections.size(),
                config.anonymousAllowed()));
        ApiRequests apiRequests = new ApiRequests(new ApiRouter(api, login, listeners), login, metrics, tls != null);
        int bodyLimit = bodyLimit(broker.config().protocol().maxPacketSize());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(IDLE_HANDLER, new ReadTimeoutHandler(IDLE_SECONDS));
                        if (tls != null) {
                            p.addLast("tls", tls.newHandler(ch.alloc()));
                        }
                        p.addLast("http", new HttpServerCodec());
                        p.addLast("keep-alive", new HttpServerKeepAliveHandler());
                        p.addLast("aggregator", new BodyLimit(bodyLimit));
                        p.addLast("requests", new HttpRequests(login, api.meters(), api.health(), metrics,
                                apiRequests, dashboard));
                    }
                });
        try {
            Channel channel = bootstrap.bind(config.host(), config.bindPort()).sync().channel();
            bound[0] = channel;
            return new HttpListener(channel, connections, tls != null);
        } catch (Exception e) {
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ListenerException("the HTTP listener cannot listen on " + config.host() + ":"
                    + config.bindPort() + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The largest request body taken: a publish's payload may be as large as max-packet-size, and base64 makes it a
     * third larger; within {@link #MIN_BODY_BYTES} and {@link #MAX_BODY_BYTES}.
     */
    static int bodyLimit(int maxPacketSize) {
        long base64 = (long) maxPacketSize * 4 / 3 + 4096;
        return (int) Math.max(MIN_BODY_BYTES, Math.min(MAX_BODY_BYTES, base64));
    }

    /** Netty's aggregator, answering a body over the limit with the API's JSON 413 rather than its own. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int limit;

        BodyLimit(int limit) {
            super(limit);
            this.limit = limit;
        }

        /** A request that asks to send its large body first ({@code Expect: 100-continue}, curl's habit) too. */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object response = super.newContinueResponse(start, maxContentLength, pipeline);
            if (response instanceof HttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
                ReferenceCountUtil.release(response);
                return ApiRequests.tooLarge(limit);
            }
            return response;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // Answer, then stop writing but go on reading: the aggregator drops the rest of the body. Closing at once
            // would reset the connection while the client still sends, and a reset can destroy the answer before
            // the client reads it. Not "Connection: close", or the keep-alive handler would close at once too.
            FullHttpResponse response = ApiRequests.tooLarge(limit);
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response).addListener(written -> {
                if (ctx.channel() instanceof SocketChannel socket && written.isSuccess()) {
                    socket.shutdownOutput();
                } else {
                    ctx.close();
                }
            });
        }
    }

    /**
     * Refuses a listener that asks for credentials with nothing to check them against: off the loopback it would
     * otherwise refuse everyone, or (worse, were it opened) show the broker to the network.
     */
    public static void checkCanLogIn(HttpConfig config, Authenticator authenticator) {
        if (!config.anonymousAllowed() && authenticator == Authenticator.ALLOW_ALL) {
            throw new ListenerException("the HTTP listener on " + config.host() + " asks for credentials (it is not "
                    + "on a loopback address, or http.allow-anonymous is false), but no password-file is configured "
                    + "to check them: set password-file (users whom the ACL file grants admin may log in), or "
                    + "http.host: 127.0.0.1, or http.port: 0 to turn the HTTP listener off");
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The dashboard's address as a browser would take it ({@code http://127.0.0.1:8080/}). */
    public String address(String host) {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return (secure ? "https" : "http") + "://" + shown + ":" + port() + "/";
    }

    /** Stops accepting and closes the open connections. */
    public void close() {
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
    }
}
