package io.midge.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the client tries again after it lost an established connection: exponential backoff with jitter, capped.
 * The n-th attempt (from 0) waits {@code min(maxDelay, initialDelay * 2^n)}, scaled by a random factor in
 * {@code [1 - jitter, 1]} so that many clients cut off together do not come back together.
 *
 * @param initialDelay the wait before the first attempt
 * @param maxDelay     the longest wait
 * @param jitter       the fraction of each wait that is random, 0 (none) to 1
 * @param enabled      false: the client does not reconnect by itself
 */
public record ReconnectPolicy(Duration initialDelay, Duration maxDelay, double jitter, boolean enabled) {
    /** Validates the values. */
    public ReconnectPolicy {
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within 0 and 1: " + jitter);
        }
    }

    /** Never reconnect by itself. */
    public static ReconnectPolicy none() {
        return new ReconnectPolicy(Duration.ZERO, Duration.ZERO, 0, false);
    }

    /** Exponential backoff from {@code initialDelay} to {@code maxDelay}, with 25 % jitter. */
    public static ReconnectPolicy exponential(Duration initialDelay, Duration maxDelay) {
        return new ReconnectPolicy(initialDelay, maxDelay, 0.25, true);
    }

    /** The default: 100 ms doubling up to 30 s, with 25 % jitter. */
    public static ReconnectPolicy defaults() {
        return exponential(Duration.ofMillis(100), Duration.ofSeconds(30));
    }

    /** The wait before attempt {@code attempt} (0 for the first after the loss). */
    public Duration delay(int attempt) {
        long initial = initialDelay.toMillis();
        long max = maxDelay.toMillis();
        long base = attempt >= 62 ? max : Math.min(max, initial << Math.min(attempt, 30));
        if (base < 0) {
            base = max;
        }
        double factor = 1 - jitter * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (base * factor));
    }
}
