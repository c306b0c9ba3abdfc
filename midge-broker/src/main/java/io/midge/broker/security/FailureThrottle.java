package io.midge.broker.security;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down guessing: counts failed logins per client address (the IP address, whatever the port) and, once an
 * address has failed {@code threshold} times in a row with less than {@code window} between failures, says how long
 * to hold back its next answers: {@code base}, doubled with every further failure, at most {@code max}. The
 * attempts of a slowed address are also spaced out, each one that delay after the one before, so that guessing over
 * many connections at once is no faster than one after the other; an address whose attempts are booked more than a
 * {@code window} ahead is turned away ({@link #BUSY}). A quiet {@code window} forgets the address. A success does
 * not: an attacker with one valid account could otherwise reset the count between guesses. Thread-safe; the clock
 * is a nanosecond counter that tests can drive.
 */
final class FailureThrottle {
    /** Beyond this many addresses, forgotten ones are purged; the map never grows without bound between purges. */
    private static final int MAX_TRACKED = 100_000;

    /** What {@link #reserveNanos} answers for an address whose attempts are booked too far ahead. */
    static final long BUSY = -1;

    /** {@code nextSlotNanos}: when the last attempt booked for this address runs (0 before any). */
    private record Streak(int failures, long lastFailureNanos, long nextSlotNanos) {
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

    /**
     * Books a login attempt from this address: how long to hold it back from now, in nanoseconds (0: at once), or
     * {@link #BUSY} when the address has attempts booked more than a window ahead.
     */
    long reserveNanos(SocketAddress remote) {
        Object key = key(remote);
        if (key == null) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long[] wait = {0};
        streaks.computeIfPresent(key, (k, streak) -> {
            if (expired(streak, now) || streak.failures() < threshold) {
                return streak;
            }
            long start = Math.max(now, streak.nextSlotNanos()) + delayNanos(streak.failures());
            if (start - now > windowNanos) {
                wait[0] = BUSY;
                return streak;
            }
            wait[0] = start - now;
            return new Streak(streak.failures(), streak.lastFailureNanos(), start);
        });
        return wait[0];
    }

    private long delayNanos(int failures) {
        int doublings = Math.min(failures - threshold, 40);
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
                ? new Streak(1, now, 0)
                : new Streak(s.failures() == Integer.MAX_VALUE ? s.failures() : s.failures() + 1, now,
                        s.nextSlotNanos()));
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
