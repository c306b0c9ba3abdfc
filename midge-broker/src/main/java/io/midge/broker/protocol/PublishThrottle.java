package io.midge.broker.protocol;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.LimitsConfig;
import io.midge.broker.limits.TokenBucket;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.TimeUnit;

/**
 * Paces one client's publishes to max-publish-rate messages and max-publish-bandwidth payload bytes per second
 * (a burst of one second's worth each). Nothing is refused or lost: a publish over the rate is handled, and then the
 * connection stops reading until the debt is repaid, so that TCP backpressure slows the client down. The listener
 * puts a {@link io.netty.handler.flow.FlowControlHandler} in front of the connection while these limits are set, so
 * that packets already read wait there instead of arriving while paused. Lives on the connection's event loop.
 */
public final class PublishThrottle {
    private final TokenBucket messages;
    private final TokenBucket bytes;
    private final BrokerMetrics metrics;
    private boolean paused;

    private PublishThrottle(LimitsConfig limits, BrokerMetrics metrics) {
        long now = System.nanoTime();
        this.messages = limits.maxPublishRate() > 0 ? new TokenBucket(limits.maxPublishRate(), now) : null;
        this.bytes = limits.maxPublishBandwidth() > 0 ? new TokenBucket(limits.maxPublishBandwidth(), now) : null;
        this.metrics = metrics;
    }

    /** A throttle for one connection, or null when neither limit is set. */
    static PublishThrottle of(BrokerConfig config, BrokerMetrics metrics) {
        return limits(config) ? new PublishThrottle(config.limits(), metrics) : null;
    }

    /** Whether publishes are throttled at all (and the listener needs a FlowControlHandler). */
    public static boolean limits(BrokerConfig config) {
        return config.limits().maxPublishRate() > 0 || config.limits().maxPublishBandwidth() > 0;
    }

    /** Counts a publish of {@code payloadBytes}; stops reading for as long as that puts the client over its rate. */
    void onPublish(ConnectionContext c, int payloadBytes) {
        ChannelHandlerContext ctx = c.ctx;
        ReadPauses reads = c.reads();
        long now = System.nanoTime();
        long wait = Math.max(messages == null ? 0 : messages.spend(1, now),
                bytes == null ? 0 : bytes.spend(payloadBytes, now));
        if (wait > 0) {
            reads.pause(ReadPauses.Reason.THROTTLED);
            if (!paused) {
                paused = true;
                metrics.publishThrottled.increment();
                ctx.executor().schedule(() -> resume(c, reads), wait, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void resume(ConnectionContext c, ReadPauses reads) {
        ChannelHandlerContext ctx = c.ctx;
        long now = System.nanoTime();
        long wait = Math.max(messages == null ? 0 : messages.debtNanos(now), bytes == null ? 0 : bytes.debtNanos(now));
        if (wait > 0) {
            ctx.executor().schedule(() -> resume(c, reads), wait, TimeUnit.NANOSECONDS);
            return;
        }
        paused = false;
        if (ctx.channel().isActive()) {
            // Hands over the packets the FlowControlHandler kept (which may pause again), then reads on.
            reads.resume(ReadPauses.Reason.THROTTLED);
            c.flushNow(); // what they were answered with, gathered in the connection's buffer too
        }
    }
}
