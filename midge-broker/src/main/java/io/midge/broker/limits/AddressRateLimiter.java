package io.midge.broker.limits;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * New connections per second from one address, at most: a token bucket per address, shared by every listener and
 * event loop. A bucket that has been idle for a second is full again, the same as no bucket, so a sweep at most once
 * a second forgets those: the map holds only the addresses that connected in the last two seconds or so, however
 * many addresses come and go.
 */
public final class AddressRateLimiter {
    private static final long SWEEP_EVERY = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private final ConcurrentHashMap<InetAddress, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep;

    public AddressRateLimiter(int perSecond, long now) {
        this.perSecond = perSecond;
        this.lastSweep = new AtomicLong(now);
    }

    /** Whether a new connection from this address is let in, now. */
    public boolean admit(InetAddress address, long now) {
        sweepIfDue(now);
        boolean[] admitted = new boolean[1];
        // compute() holds the entry's lock: connections accepted on two loops at once each take their own token.
        buckets.compute(address, (a, bucket) -> {
            TokenBucket b = bucket != null ? bucket : new TokenBucket(perSecond, now);
            admitted[0] = b.tryTake(now);
            return b;
        });
        return admitted[0];
    }

    /** Addresses remembered now (for tests and metrics). */
    public int size() {
        return buckets.size();
    }

    private void sweepIfDue(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        for (InetAddress address : buckets.keySet()) {
            buckets.computeIfPresent(address, (a, b) -> b.isFull(now) ? null : b);
        }
    }
}
