package io.midge.broker.bridge;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The delays between a bridge's attempts to connect: doubling from {@link #FIRST_MILLIS} up to {@link #MAX_MILLIS},
 * each drawn at random from its upper half (jitter), so that many bridges cut off together do not all come back at
 * the same instant. A link that stayed up resets it.
 */
final class Backoff {
    static final long FIRST_MILLIS = 250;
    static final long MAX_MILLIS = 30_000;

    private long ceiling = FIRST_MILLIS;

    long next() {
        long c = ceiling;
        ceiling = Math.min(MAX_MILLIS, ceiling * 2);
        return c / 2 + ThreadLocalRandom.current().nextLong(c / 2 + 1);
    }

    void reset() {
        ceiling = FIRST_MILLIS;
    }
}
