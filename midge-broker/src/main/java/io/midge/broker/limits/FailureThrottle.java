package io.midge.broker.limits;

import java.net.SocketAddress;
import java.time.Duration;
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
public final class FailureThrottle {
    /** What {@link #reserveNanos} answers for an address whose attempts are booked too far ahead. */
    public static final long BUSY = -1;

    /** {@code nextSlotNanos}: when the last attempt booked for this address runs (0 before any). */
    private record Streak(int failures, long lastFailureNanos, long nextSlotNanos) {
    }

    private final AddressStates<Streak> streaks;
    private final int threshold;
    private final long windowNanos;
    private final long baseNanos;
    private final long maxNanos;
    private final LongSupplier nanoClock;

    public FailureThrottle(int threshold, Duration window, Duration base, Duration max, LongSupplier nanoClock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.nanoClock = nanoClock;
        this.streaks = new AddressStates<>(this::expired, nanoClock.getAsLong());
    }

    /** 5 failures less than a minute apart, then 250 ms doubling up to 8 s. */
    public static FailureThrottle standard() {
        return new FailureThrottle(5, Duration.ofMinutes(1), Duration.ofMillis(250), Duration.ofSeconds(8),
                System::nanoTime);
    }

    /**
     * Books a login attempt from this address: how long to hold it back from now, in nanoseconds (0: at once), or
     * {@link #BUSY} when the address has attempts booked more than a window ahead.
     */
    public long reserveNanos(SocketAddress remote) {
        Object key = AddressStates.key(remote);
        if (key == null) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long[] wait = {0};
        streaks.updateIfPresent(key, streak -> {
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

    public void recordFailure(SocketAddress remote) {
        Object key = AddressStates.key(remote);
        if (key == null) {
            return;
        }
        long now = nanoClock.getAsLong();
        streaks.update(key, now, s -> s == null || expired(s, now)
                ? new Streak(1, now, 0)
                : new Streak(s.failures() == Integer.MAX_VALUE ? s.failures() : s.failures() + 1, now,
                        s.nextSlotNanos()));
    }

    /** Failures counted for this address now (0 when forgotten). */
    public int failures(SocketAddress remote) {
        Object key = AddressStates.key(remote);
        Streak streak = key == null ? null : streaks.get(key);
        return streak == null || expired(streak, nanoClock.getAsLong()) ? 0 : streak.failures();
    }

    private boolean expired(Streak streak, long now) {
        return now - streak.lastFailureNanos() >= windowNanos;
    }
}
