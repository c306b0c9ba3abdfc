package io.midge.broker.cluster;

import java.util.concurrent.ConcurrentMap;

/**
 * The cluster's session registry: client identifier to owning node and epoch ({@link SessionOwner}), in a Hazelcast
 * {@code IMap} (any {@link ConcurrentMap} in unit tests). Every change is a compare-and-set on one key
 * ({@code putIfAbsent}, {@code replace(key, old, new)}, {@code remove(key, old)}), which the map's partition owner
 * applies one at a time: of two nodes claiming the same session from the same owner, exactly one wins.
 *
 * <p>Calls block on the network: never on an event loop (the cluster's session thread makes them).
 */
final class SessionOwners {
    private final ConcurrentMap<String, String> map;
    private final String self;

    SessionOwners(ConcurrentMap<String, String> map, String self) {
        this.map = map;
        this.self = self;
    }

    String self() {
        return self;
    }

    /** The owner now, or null when no node owns a session of that client. */
    SessionOwner get(String clientId) {
        return SessionOwner.decode(map.get(clientId));
    }

    /**
     * Makes this node the owner, with the next epoch, if the entry is still {@code expected} (null: no entry).
     * Returns the new owner, or null when the entry changed meanwhile (another node claimed, or the owner let go).
     */
    SessionOwner claimFrom(String clientId, SessionOwner expected, boolean persistent) {
        SessionOwner mine = new SessionOwner(self, expected == null ? 1 : expected.epoch() + 1, persistent);
        boolean done = expected == null ? map.putIfAbsent(clientId, mine.encode()) == null
                : map.replace(clientId, expected.encode(), mine.encode());
        return done ? mine : null;
    }

    /**
     * As {@link #claimFrom}, and when the previous owner let go meanwhile (the entry is gone), claims the free entry:
     * what a node does after the owner answered that it dropped the session.
     */
    SessionOwner claimAfter(String clientId, SessionOwner expected, boolean persistent) {
        SessionOwner mine = claimFrom(clientId, expected, persistent);
        if (mine == null && expected != null && map.get(clientId) == null) {
            mine = claimFrom(clientId, null, persistent);
        }
        return mine;
    }

    /** This node's session ended: the entry goes, if it is still this node's (a newer owner's stays). */
    void release(String clientId) {
        String value = map.get(clientId);
        if (value != null && self.equals(SessionOwner.decode(value).node())) {
            map.remove(clientId, value);
        }
    }
}
