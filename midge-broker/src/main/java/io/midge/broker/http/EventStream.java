package io.midge.broker.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/v1/events}: server-sent events on the request's connection, a {@code stats} event at once and
 * then once a second, at most: one timer per stream on the connection's loop, cancelled when the connection closes.
 * A client that does not read is skipped, not buffered for: it gets the next second's figures once it reads again.
 */
final class EventStream {
    /** Streams open at once, at most: each costs a timer and a connection; a dashboard needs one. */
    static final int MAX_STREAMS = 64;

    private final StatsResource stats;
    private final AtomicInteger open = new AtomicInteger();

    EventStream(StatsResource stats) {
        this.stats = stats;
    }

    /** Whether another stream may open now; when it may, it counts as open (release with the connection). */
    boolean reserve() {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Answers the request with the stream's headers and starts the events; on the connection's loop. */
    void start(ChannelHandlerContext ctx, HttpVersion version) {
        HttpResponse response = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(response, true);
        // The stream is meant to stay quiet from the client's side: the listener's idle timeout would cut it off.
        if (ctx.pipeline().get(HttpListener.IDLE_HANDLER) != null) {
            ctx.pipeline().remove(HttpListener.IDLE_HANDLER);
        }
        ctx.writeAndFlush(response);
        ScheduledFuture<?> timer = ctx.executor().scheduleAtFixedRate(() -> send(ctx), 0, 1, TimeUnit.SECONDS);
        ctx.channel().closeFuture().addListener(f -> {
            timer.cancel(false);
            open.decrementAndGet();
        });
    }

    private void send(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive() || !ctx.channel().isWritable()) {
            return;
        }
        byte[] json = stats.json();
        ByteBuf event = ctx.alloc().buffer(json.length + 32);
        event.writeCharSequence("event: stats\ndata: ", StandardCharsets.UTF_8);
        event.writeBytes(json);
        event.writeCharSequence("\n\n", StandardCharsets.UTF_8);
        ctx.writeAndFlush(new DefaultHttpContent(event));
    }
}
