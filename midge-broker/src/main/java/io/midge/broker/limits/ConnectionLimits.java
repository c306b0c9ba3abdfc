package io.midge.broker.limits;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker-wide connection limits: connections open at once (in all, and per listener: max-connections) and new
 * connections per second from one address (max-connection-rate). Every connection takes a place ({@link #open})
 * when it becomes active and gives it back ({@link #close}) when it closes, whatever happened in between (refused,
 * taken over, lost), so the counts cannot drift. The connection remembers whether it holds a place (a flag, not an
 * object: every idle connection has one).
 */
public final class ConnectionLimits {
    private final int maxConnections;
    private final BrokerMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, AtomicInteger> openPerListener = new ConcurrentHashMap<>();
    private final AddressRateLimiter rate;
    /** Why the broker takes no client and no publish now (a cluster node without a majority); null when it does. */
    private volatile String unavailable;
    /** The memory watermarks and what the broker does past them (see {@link Overload}). */
    private final Overload overload;

    public ConnectionLimits(BrokerConfig config, BrokerMetrics metrics) {
        this.maxConnections = config.limits().maxConnections();
        this.metrics = metrics;
        for (ListenerConfig l : config.listeners().effective()) {
            openPerListener.put(l.name(), new AtomicInteger());
        }
        this.rate = config.limits().maxConnectionRate() > 0
                ? new AddressRateLimiter(config.limits().maxConnectionRate(), System.nanoTime()) : null;
        this.overload = new Overload(config.limits());
    }

    /** The overload policy: which measures memory calls for now. */
    public Overload overload() {
        return overload;
    }

    /**
     * Counts a new connection in (it holds a place until {@link #close}), or, when the broker or the listener already
     * has its maximum, refuses it (and counts the refusal): returns why, for the refusing CONNACK, or null when the
     * connection is within the limits. A refused connection holds no place: it is answered at CONNECT and closed.
     */
    public String open(ListenerConfig listener) {
        AtomicInteger ofListener = ofListener(listener.name());
        // Counted first, then checked: two connections racing for the last place cannot both get it.
        int all = open.incrementAndGet();
        int ofThisListener = ofListener.incrementAndGet();
        String refusal = null;
        if (maxConnections > 0 && all > maxConnections) {
            refusal = "the broker has its maximum of " + maxConnections + " connections";
        } else if (listener.maxConnections() > 0 && ofThisListener > listener.maxConnections()) {
            refusal = "listener '" + listener.name() + "' has its maximum of " + listener.maxConnections()
                    + " connections";
        }
        if (refusal != null) {
            open.decrementAndGet();
            ofListener.decrementAndGet();
            metrics.refusedConnectionLimit.increment();
        }
        return refusal;
    }

    /** Gives back the place of a connection that {@link #open} counted in (call once, as it closes). */
    public void close(ListenerConfig listener) {
        open.decrementAndGet();
        ofListener(listener.name()).decrementAndGet();
    }
    /** Whether a new connection from this address is within max-connection-rate (counts a refusal if not). */
    public boolean admit(InetAddress address) {
        if (rate == null || rate.admit(address, System.nanoTime())) {
            return true;
        }
        metrics.refusedConnectionRate.increment();
        return false;
    }

    /**
     * Stops taking clients and publishes, for the reason given (CONNACK 0x88 Server unavailable, 3.1.1 return
     * code 3; publishes refused), or, with null, takes them again. A cluster's node sets it while it sees fewer
     * than a majority of the cluster's nodes, so that a cut-off minority does not go its own way.
     */
    public void setUnavailable(String reason) {
        this.unavailable = reason;
    }

    /** Why clients and publishes are refused now, or null when they are not. */
    public String unavailable() {
        return unavailable;
    }

    /** Whether max-connection-rate is set at all. */
    public boolean limitsRate() {
        return rate != null;
    }

    /** Connections open now, through every listener. */
    public int openConnections() {
        return open.get();
    }

    /** Connections open now through one listener. */
    public int openConnections(String listener) {
        return ofListener(listener).get();
    }

    private AtomicInteger ofListener(String name) {
        return openPerListener.computeIfAbsent(name, n -> new AtomicInteger());
    }
}
