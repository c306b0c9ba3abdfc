package io.midge.broker.security;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down guessing: counts failed logins per client address (the IP address, whatever the port) and, once an
 * address has failed {@code threshold} times in a row with less than {@code window} between failures, says how long
 * to hold back its next answers: {@code base}, doubled with every further failure, at most {@code max}. A quiet
 * {@code window} forgets the address. A success does not: an attacker with one valid account could otherwise reset
 * the count between guesses. Thread-safe; the clock is a nanosecond counter that tests can drive.
 */
final class FailureThrottle {
    /** Beyond this many addresses, forgotten ones are purged; the map never grows without bound between purges. */
    private static final int MAX_TRACKED = 100_000;

    private record Streak(int failures, long lastFailureNanos) {
    }

    private final ConcurrentHashMap<Object, Streak> streaks = new ConcurrentHashMap<>();
    private final int threshold;
    private final long windowNanos;
    private final long baseNanos;
    private final long maxNanos;
    private final LongSupplier nanoClock;

    FailureThrottle(int threshold, Duration window, Duration base, Duration max, LongSupplier nanoClock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.nanoClock = nanoClock;
    }

    /** 5 failures less than a minute apart, then 250 ms doubling up to 8 s. */
    static FailureThrottle standard() {
        return new FailureThrottle(5, Duration.ofMinutes(1), Duration.ofMillis(250), Duration.ofSeconds(8),
                System::nanoTime);
    }

    /** How long to hold back the answer to a login from this address now, in nanoseconds (0: answer at once). */
    long delayNanos(SocketAddress remote) {
        Object key = key(remote);
        if (key == null) {
            return 0;
        }
        Streak streak = streaks.get(key);
        if (streak == null || expired(streak, nanoClock.getAsLong()) || streak.failures() < threshold) {
            return 0;
        }
        int doublings = Math.min(streak.failures() - threshold, 40);
        long delay = baseNanos << doublings;
        return delay <= 0 || delay > maxNanos ? maxNanos : delay;
    }

    void recordFailure(SocketAddress remote) {
        Object key = key(remote);
        if (key == null) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (streaks.size() >= MAX_TRACKED) {
            streaks.values().removeIf(s -> expired(s, now));
        }
        streaks.compute(key, (k, s) -> s == null || expired(s, now)
                ? new Streak(1, now)
                : new Streak(s.failures() == Integer.MAX_VALUE ? s.failures() : s.failures() + 1, now));
    }

    /** Failures counted for this address now (0 when forgotten). */
    int failures(SocketAddress remote) {
        Object key = key(remote);
        Streak streak = key == null ? null : streaks.get(key);
        return streak == null || expired(streak, nanoClock.getAsLong()) ? 0 : streak.failures();
    }

    private boolean expired(Streak streak, long now) {
        return now - streak.lastFailureNanos() >= windowNanos;
    }

    /** The IP address of a TCP peer (the port changes with every connection); other addresses as they are. */
    private static Object key(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress() : inet.getHostString();
        }
        return remote;
    }
}
