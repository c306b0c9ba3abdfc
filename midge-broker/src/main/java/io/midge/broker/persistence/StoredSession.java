package io.midge.broker.persistence;

import java.util.Objects;

/**
 * A persistent session's own record; its subscriptions, queue and in-flight state are stored beside it.
 *
 * @param protocolVersion       the protocol level of the client's last CONNECT (3, 4 or 5)
 * @param expiryIntervalSeconds the Session Expiry Interval granted; {@link #NEVER_EXPIRES} for never
 * @param disconnectedAtMillis  epoch milliseconds at which the client went offline, or {@link #CONNECTED} while a
 *                              connection is attached
 * @param clusterEpoch          the epoch under which this node of a cluster holds the session (the fencing token of
 *                              the cluster's session registry), kept so that it outlives a restart of the whole
 *                              cluster; 0 on a broker on its own
 */
public record StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds,
                            long disconnectedAtMillis, long clusterEpoch) {
    /** The Session Expiry Interval that means "never" (MQTT 5.0 section 3.1.2.11.2). */
    public static final long NEVER_EXPIRES = 0xFFFF_FFFFL;
    public static final long CONNECTED = -1;

    public StoredSession {
        Objects.requireNonNull(clientId, "clientId");
        if (expiryIntervalSeconds < 0 || expiryIntervalSeconds > NEVER_EXPIRES) {
            throw new IllegalArgumentException("expiry interval out of range: " + expiryIntervalSeconds);
        }
        if (disconnectedAtMillis < CONNECTED) {
            throw new IllegalArgumentException("disconnectedAtMillis must be CONNECTED or a time");
        }
        if (clusterEpoch < 0) {
            throw new IllegalArgumentException("negative cluster epoch: " + clusterEpoch);
        }
    }

    /** A session outside a cluster (epoch 0). */
    public StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds, long disconnectedAtMillis) {
        this(clientId, protocolVersion, expiryIntervalSeconds, disconnectedAtMillis, 0);
    }

    /**
     * When the session expires, in epoch milliseconds ({@link Long#MAX_VALUE} for never). A session that was
     * connected when the broker stopped went offline, as far as its client can tell, when the broker did; that
     * moment is not known, so its interval counts from {@code nowMillis}, the restart: it is never cut short.
     */
    public long expiresAtMillis(long nowMillis) {
        if (expiryIntervalSeconds == NEVER_EXPIRES) {
            return Long.MAX_VALUE;
        }
        long from = disconnectedAtMillis == CONNECTED ? nowMillis : disconnectedAtMillis;
        return from + expiryIntervalSeconds * 1000;
    }
}
