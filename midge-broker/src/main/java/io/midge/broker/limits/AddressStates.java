package io.midge.broker.limits;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * What a limit remembers about each client address, for the limits that count per address ({@link
 * AddressRateLimiter}, {@link FailureThrottle}). A state that has become as good as none (a full bucket, a streak
 * from long ago) is forgotten by a sweep at most once a second, so the map holds only addresses seen lately, however
 * many come and go. Thread-safe: each change runs under the lock of its address's entry, so changes from two event
 * loops at once to the same address are made one after the other.
 *
 * @param <S> the state kept per address; one read by {@link #get}, without the lock, should be immutable
 */
public final class AddressStates<S> {
    private static final long SWEEP_EVERY = TimeUnit.SECONDS.toNanos(1);

    /** Whether a state may be forgotten now, being the same as no state. */
    @FunctionalInterface
    public interface Forgettable<S> {
        boolean test(S state, long now);
    }

    private final ConcurrentHashMap<Object, S> states = new ConcurrentHashMap<>();
    private final Forgettable<? super S> forgettable;
    private final AtomicLong lastSweep;

    /** {@code now} and every later time: nanoseconds on one clock, as from {@link System#nanoTime()}. */
    public AddressStates(Forgettable<? super S> forgettable, long now) {
        this.forgettable = forgettable;
        this.lastSweep = new AtomicLong(now);
    }

    /**
     * The key of a peer: the IP address of a TCP peer (its port changes with every connection, so that counting per
     * port would count nothing), the host name of an unresolved one, other kinds of address as they are; null for
     * none.
     */
    public static Object key(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress() : inet.getHostString();
        }
        return remote;
    }

    /**
     * Replaces the state of {@code key} by what {@code change} makes of it (given null when there is none; a null
     * result forgets it), under the entry's lock. Sweeps first when a sweep is due.
     */
    public void update(Object key, long now, UnaryOperator<S> change) {
        sweepIfDue(now);
        states.compute(key, (k, state) -> change.apply(state));
    }

    /** Like {@link #update}, for an address that has a state; nothing happens for one that has none. */
    public void updateIfPresent(Object key, UnaryOperator<S> change) {
        states.computeIfPresent(key, (k, state) -> change.apply(state));
    }

    /** The state of {@code key} now, or null. */
    public S get(Object key) {
        return states.get(key);
    }

    /** Addresses remembered now (for tests and metrics). */
    public int size() {
        return states.size();
    }

    private void sweepIfDue(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY || !lastSweep.compareAndSet(last, now)) {
            return; // not due, or another thread sweeps now
        }
        for (Object key : states.keySet()) {
            states.computeIfPresent(key, (k, state) -> forgettable.test(state, now) ? null : state);
        }
    }
}
