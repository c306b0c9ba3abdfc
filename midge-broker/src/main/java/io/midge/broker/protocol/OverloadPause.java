package io.midge.broker.protocol;

import io.midge.broker.limits.Overload;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One publishing client's pause for the overload policy ({@link Overload#PAUSE_PUBLISHERS}): while memory stays past
 * the watermark the connection is not read, so that TCP slows the client down and nothing it sent is refused or lost.
 * The pause is checked again after 20 ms, then after twice as long each time (at most a second apart), and ends
 * when the measure does, or after half the client's keep-alive (at most {@value #LONGEST_PAUSE_MILLIS} ms): then
 * one read's packets are handled (a PINGREQ among them is answered) before the next publish pauses it again. Only
 * a publish starts a pause, so a client that only subscribes, or only pings, is never paused. Made at the first
 * pause; lives on the connection's event loop.
 */
final class OverloadPause {
    static final long FIRST_CHECK_MILLIS = 20;
    static final long LONGEST_CHECK_MILLIS = 1000;
    static final long LONGEST_PAUSE_MILLIS = 10_000;

    private final ConnectionContext c;
    private final Overload overload;
    private boolean paused;
    private long since;
    private long checkAfter;

    OverloadPause(ConnectionContext c, Overload overload) {
        this.c = c;
        this.overload = overload;
    }

    /** Stops reading from the client, unless it is paused already. */
    void pause() {
        if (paused) {
            return;
        }
        paused = true;
        since = now();
        checkAfter = FIRST_CHECK_MILLIS;
        c.reads().pause(ReadPauses.Reason.OVERLOADED);
        c.broker.metrics().overloadPauses.increment();
        overload.publisherPaused();
        c.ctx.executor().schedule(this::check, checkAfter, TimeUnit.MILLISECONDS);
    }

    private void check() {
        long held = TimeUnit.NANOSECONDS.toMillis(now() - since);
        long longest = longestPauseMillis(c.keepAlive);
        if ((overload.measures() & Overload.PAUSE_PUBLISHERS) != 0 && held < longest
                && c.ctx.channel().isActive()) {
            checkAfter = Math.min(checkAfter * 2, LONGEST_CHECK_MILLIS);
            c.ctx.executor().schedule(this::check, Math.min(checkAfter, longest - held), TimeUnit.MILLISECONDS);
            return;
        }
        paused = false;
        overload.publisherResumed();
        c.reads().resume(ReadPauses.Reason.OVERLOADED);
    }

    /** The loop's clock, which its scheduled tasks follow (a test's EmbeddedChannel moves it by hand). */
    private long now() {
        return c.ctx.executor() instanceof AbstractScheduledEventExecutor loop ? loop.ticker().nanoTime()
                : System.nanoTime();
    }

    /**
     * The longest a client is not read at once: half its keep-alive, so that a PINGREQ it sends because its
     * publishes are stuck is still answered in time, and never more than {@value #LONGEST_PAUSE_MILLIS} ms.
     */
    static long longestPauseMillis(int keepAliveSeconds) {
        return keepAliveSeconds <= 0 ? LONGEST_PAUSE_MILLIS
                : Math.min(LONGEST_PAUSE_MILLIS, keepAliveSeconds * 500L);
    }

    boolean paused() {
        return paused;
    }
}
