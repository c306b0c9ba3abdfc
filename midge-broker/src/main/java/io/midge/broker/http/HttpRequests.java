package io.midge.broker.http;

import io.midge.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the HTTP listener's requests: {@code /health} and the dashboard's files ({@link DashboardFiles}) to
 * anyone, {@code /metrics} and the management API
 * ({@code /api/v1/...}, see {@link ApiRouter} and {@link ApiRequests}) to whom {@link HttpLogin} lets in. Refusals
 * for credentials are counted and logged at DEBUG, as MQTT's are.
 */
final class HttpRequests extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRequests.class);
    /** The version of the Prometheus text format that {@link BrokerMeters#scrape()} writes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpLogin login;
    private final BrokerMeters meters;
    private final BrokerHealth health;
    private final BrokerMetrics metrics;
    private final ApiRequests api;
    private final DashboardFiles dashboard;

    HttpRequests(HttpLogin login, BrokerMeters meters, BrokerHealth health, BrokerMetrics metrics, ApiRequests api,
                 DashboardFiles dashboard) {
        this.login = login;
        this.meters = meters;
        this.health = health;
        this.metrics = metrics;
        this.api = api;
        this.dashboard = dashboard;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.rawPath();
        if (path.startsWith(ApiRouter.PREFIX)) {
            api.handle(ctx, request, path.substring(ApiRouter.PREFIX.length()));
            return;
        }
        if (DashboardFiles.serves(uri.path())) {
            send(ctx, request, dashboard.answer(request, path, uri.path()));
            return;
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!path.equals("/health") && !path.equals("/metrics")) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found\n", head);
            return;
        }
        if (!head && !request.method().equals(HttpMethod.GET)) {
            FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "text/plain; charset=utf-8", "method not allowed\n", false);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, request, response);
            return;
        }
        if (path.equals("/health")) {
            // Open to all: it tells nothing but ready or not, and load balancers ask it without credentials.
            boolean ready = health.state() == BrokerHealth.State.READY;
            respond(ctx, request, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8", health.state().name().toLowerCase() + "\n", head);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpVersion version = request.protocolVersion();
        SocketAddress remote = ctx.channel().remoteAddress();
        login.check(request.headers().get(HttpHeaderNames.AUTHORIZATION), request.headers().get(HttpHeaderNames.COOKIE),
                remote).whenComplete((result, failure) -> {
                    // The password check completes on the hashing pool; Netty hands the write to the channel's loop.
                    HttpLogin.Outcome outcome = failure != null ? HttpLogin.Outcome.BUSY : result.outcome();
                    FullHttpResponse response = switch (outcome) {
                        case ALLOWED -> response(HttpResponseStatus.OK, PROMETHEUS_TEXT, meters.scrape(), head);
                        case NO_CREDENTIALS, BAD_CREDENTIALS -> refused(remote, outcome, response(
                                HttpResponseStatus.UNAUTHORIZED, "text/plain; charset=utf-8", "log in\n", head), true);
                        case NOT_ADMIN -> refused(remote, outcome, response(HttpResponseStatus.FORBIDDEN,
                                "text/plain; charset=utf-8", "the ACL file does not grant this user admin\n", head),
                                true);
                        case BUSY -> response(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                                "busy\n", head);
                    };
                    response.setProtocolVersion(version);
                    HttpUtil.setKeepAlive(response, keepAlive);
                    ctx.writeAndFlush(response);
                });
    }

    /** Counts and logs a refusal for credentials or rights; a 401 asks for Basic. */
    private FullHttpResponse refused(SocketAddress remote, HttpLogin.Outcome outcome, FullHttpResponse response,
                                     boolean challenge) {
        metrics.httpRefused.increment();
        log.debug("Refused HTTP request from {}: {}", remote, outcome.name().toLowerCase().replace('_', ' '));
        if (challenge && response.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"midge\", charset=\"UTF-8\"");
        }
        return response;
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                String type, String body, boolean head) {
        send(ctx, request, response(status, type, body, head));
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        response.setProtocolVersion(request.protocolVersion());
        HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
        ctx.writeAndFlush(response);
    }

    /** A response with its body; for HEAD the length the body would have, and no body. */
    static FullHttpResponse response(HttpResponseStatus status, String type, String body, boolean head) {
        return response(status, type, body.getBytes(StandardCharsets.UTF_8), head);
    }

    static FullHttpResponse response(HttpResponseStatus status, String type, byte[] bytes, boolean head) {
        ByteBuf content = head || bytes.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        if (type != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    static byte[] copy(ByteBuf content) {
        return ByteBufUtil.getBytes(content);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
