package io.midge.broker.limits;

import java.net.InetAddress;

/**
 * New connections per second from one address, at most: a {@link TokenBucket} per address, shared by every listener
 * and event loop. A bucket that has been idle for a second is full again, the same as no bucket, so it is forgotten
 * ({@link AddressStates}).
 */
public final class AddressRateLimiter {
    private final int perSecond;
    private final AddressStates<TokenBucket> buckets;

    public AddressRateLimiter(int perSecond, long now) {
        this.perSecond = perSecond;
        this.buckets = new AddressStates<>(TokenBucket::isFull, now);
    }

    /** Whether a new connection from this address is let in, now. */
    public boolean admit(InetAddress address, long now) {
        boolean[] admitted = new boolean[1];
        // Under the entry's lock: connections accepted on two loops at once each take their own token.
        buckets.update(address, now, bucket -> {
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
}
