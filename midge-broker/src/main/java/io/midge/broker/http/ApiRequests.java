package io.midge.broker.http;

import io.midge.broker.metrics.BrokerMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API's requests on the wire: the route first (404, 405), then the login unless the route is open
 * (401, 403), then the handler, on the connection's loop; every answer and every refusal as JSON. Shared by the
 * listener's connections.
 */
final class ApiRequests {
    private static final Logger log = LoggerFactory.getLogger(ApiRequests.class);

    private final ApiRouter router;
    private final HttpLogin login;
    private final BrokerMetrics metrics;
    private final boolean secure;

    ApiRequests(ApiRouter router, HttpLogin login, BrokerMetrics metrics, boolean secure) {
        this.router = router;
        this.login = login;
        this.metrics = metrics;
        this.secure = secure;
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest http, String path) {
        HttpVersion version = http.protocolVersion();
        boolean keepAlive = HttpUtil.isKeepAlive(http);
        boolean challenge = !http.headers().contains("X-Requested-With");
        SocketAddress remote = ctx.channel().remoteAddress();
        ApiRouter.Match match;
        ApiRequest request;
        try {
            match = router.match(http.method(), path);
            Map<String, List<String>> query = new QueryStringDecoder(http.uri()).parameters();
            request = new ApiRequest(http.method(), path, query, HttpRequests.copy(http.content()),
                    http.headers().get(HttpHeaderNames.CONTENT_TYPE), http.headers().get(HttpHeaderNames.COOKIE),
                    remote, secure, null);
        } catch (ApiError e) {
            write(ctx, ApiResponse.error(e), version, keepAlive);
            return;
        }
        if (match.route().open()) {
            run(ctx, match, request, version, keepAlive, challenge);
            return;
        }
        login.check(http.headers().get(HttpHeaderNames.AUTHORIZATION), request.cookie(), remote)
                .whenComplete((result, failure) -> ctx.executor().execute(() -> {
                    HttpLogin.Outcome outcome = failure != null ? HttpLogin.Outcome.BUSY : result.outcome();
                    if (outcome == HttpLogin.Outcome.ALLOWED) {
                        run(ctx, match, request.withUser(result.user()), version, keepAlive, challenge);
                    } else {
                        write(ctx, refusal(outcome, remote, challenge), version, keepAlive);
                    }
                }));
    }

    private void run(ChannelHandlerContext ctx, ApiRouter.Match match, ApiRequest request, HttpVersion version,
                     boolean keepAlive, boolean challenge) {
        CompletionStage<ApiResponse> answer;
        try {
            answer = match.run(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, failure) -> ctx.executor().execute(() -> {
            ApiResponse r = failure == null ? response : failed(failure, request, challenge);
            if (r.stream) {
                if (router.events().reserve()) {
                    router.events().start(ctx, version);
                } else {
                    write(ctx, ApiResponse.error(ApiError.unavailable("too many event streams open ("
                            + EventStream.MAX_STREAMS + ")")), version, keepAlive);
                }
                return;
            }
            write(ctx, r, version, keepAlive);
        }));
    }

    /** The answer to a handler's failure: its own status, or 503 for a loop that did not answer, else 500. */
    private ApiResponse failed(Throwable failure, ApiRequest request, boolean challenge) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ApiError e) {
            return ApiResponse.error(e);
        }
        if (cause instanceof LoginResource.Refusal refusal) {
            return refusal(refusal.outcome, request.remote(), challenge);
        }
        if (cause instanceof TimeoutException) {
            return ApiResponse.error(ApiError.unavailable("the broker did not answer in time; try again"));
        }
        log.warn("API request {} {} failed", request.method(), request.path(), cause);
        return ApiResponse.error(new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null,
                "the request failed: " + cause));
    }

    private ApiResponse refusal(HttpLogin.Outcome outcome, SocketAddress remote, boolean challenge) {
        ApiResponse response = switch (outcome) {
            case NOT_ADMIN -> ApiResponse.error(ApiError.forbidden("the ACL file does not grant this user admin"));
            case BUSY -> ApiResponse.error(ApiError.unavailable("the broker is busy checking passwords; try again"));
            default -> ApiResponse.error(new ApiError(HttpResponseStatus.UNAUTHORIZED, null, "log in: HTTP Basic, "
                    + "or the cookie of POST /api/v1/login, for a user whom the ACL file grants admin"));
        };
        if (outcome != HttpLogin.Outcome.BUSY) {
            metrics.httpRefused.increment();
            log.debug("Refused API request from {}: {}", remote, outcome.name().toLowerCase().replace('_', ' '));
            if (challenge && response.status.equals(HttpResponseStatus.UNAUTHORIZED)) {
                response.header(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Basic realm=\"midge\", charset=\"UTF-8\"");
            }
        }
        return response;
    }

    private static void write(ChannelHandlerContext ctx, ApiResponse r, HttpVersion version, boolean keepAlive) {
        FullHttpResponse response = HttpRequests.response(r.status, r.contentType, r.body, false);
        r.headers.forEach((name, value) -> response.headers().add(name, value));
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.setProtocolVersion(version);
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
    }

    /** A 413 for a body over the listener's limit, as JSON like every other refusal; the connection then closes. */
    static FullHttpResponse tooLarge(int limit) {
        String message = "the body is larger than " + limit + " bytes";
        FullHttpResponse response = HttpRequests.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                ApiResponse.JSON, ApiError.body(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, null, message), false);
        HttpUtil.setKeepAlive(response, false);
        return response;
    }
}
