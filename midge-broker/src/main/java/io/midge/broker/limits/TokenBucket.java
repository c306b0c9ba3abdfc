package io.midge.broker.limits;

/**
 * A token bucket that holds one second's worth of tokens: {@code perSecond} may be spent at once (the burst), after
 * which tokens come back at {@code perSecond}. It may be overdrawn ({@link #spend}), for costs that are known only
 * once they are paid: a message already read must be handled, and the debt is repaid by waiting. Not thread-safe;
 * time is passed in (nanoseconds from {@link System#nanoTime()}), which keeps it free of allocation and testable.
 * Counts in billionths of a token, so that a token comes back exactly every 1e9/perSecond nanoseconds: whole
 * numbers, no rounding drift.
 */
public final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long perSecond;
    private final long capacity;
    private long tokens;
    private long refilledAt;

    /** A full bucket; {@code perSecond} is at most {@link Integer#MAX_VALUE}, so that every count fits a long. */
    public TokenBucket(long perSecond, long now) {
        if (perSecond <= 0 || perSecond > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a token bucket's rate must be 1-" + Integer.MAX_VALUE + ", not "
                    + perSecond);
        }
        this.perSecond = perSecond;
        this.capacity = perSecond * NANOS_PER_SECOND;
        this.tokens = capacity;
        this.refilledAt = now;
    }

    /** Takes one token if there is one. */
    public boolean tryTake(long now) {
        refill(now);
        if (tokens >= NANOS_PER_SECOND) {
            tokens -= NANOS_PER_SECOND;
            return true;
        }
        return false;
    }

    /**
     * Spends {@code cost} tokens (at most {@link Integer#MAX_VALUE}), overdrawing if need be; returns how long (ns)
     * until the debt is repaid, or 0.
     */
    public long spend(int cost, long now) {
        refill(now);
        // The floor keeps every sum below in a long; a debt that deep takes years to repay anyway.
        tokens = Math.max(tokens - cost * NANOS_PER_SECOND, Long.MIN_VALUE / 4);
        return debtNanos();
    }

    /** How long (ns) until the bucket is out of debt, or 0 when it is not in debt. */
    public long debtNanos(long now) {
        refill(now);
        return debtNanos();
    }

    /** Whether it is full: as good as a new bucket, so whoever keeps many may forget it. */
    public boolean isFull(long now) {
        refill(now);
        return tokens >= capacity;
    }

    private long debtNanos() {
        return tokens >= 0 ? 0 : (-tokens + perSecond - 1) / perSecond;
    }

    private void refill(long now) {
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            long room = capacity - tokens;
            // Compared before multiplying, so that a long pause cannot overflow the product.
            tokens = elapsed >= (room + perSecond - 1) / perSecond ? capacity : tokens + elapsed * perSecond;
            refilledAt = now;
        }
    }
}
