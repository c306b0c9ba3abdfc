package io.midge.broker.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

    /**
     * The common case in one step, without waiting: when nobody owns the session, or this node does, this node
     * claims it (a new entry, or its own with the persistence flag updated) and the stage completes with null;
     * otherwise nothing changes and it completes with the owner. On Hazelcast one entry processor, run where the
     * entry lives, so one round trip and no thread held meanwhile.
     */
    CompletionStage<SessionOwner> claimIfFreeOrMine(String clientId, boolean persistent) {
        if (map instanceof IMap<String, String> imap) {
            return imap.submitToKey(clientId, new ClaimIfFreeOrMine(self, persistent))
                    .thenApply(SessionOwner::decode);
        }
        String[] other = new String[1];
        map.compute(clientId, (k, current) -> {
            String next = claimedValue(current, self, persistent);
            other[0] = next == null ? current : null;
            return next == null ? current : next;
        });
        return CompletableFuture.completedFuture(SessionOwner.decode(other[0]));
    }

    /**
     * What the entry becomes when this node claims it if free or its own: the new value, or null to leave it (the
     * entry is another node's, or this node's already as wanted; {@code current} then tells which).
     */
    static String claimedValue(String current, String self, boolean persistent) {
        SessionOwner owner = SessionOwner.decode(current);
        if (owner == null) {
            return new SessionOwner(self, 1, persistent).encode();
        }
        if (owner.node().equals(self) && owner.persistent() != persistent) {
            return new SessionOwner(self, owner.epoch(), persistent).encode();
        }
        return null;
    }

    /** {@link #claimedValue} as a Hazelcast entry processor; answers the other owner's entry, or null. */
    static final class ClaimIfFreeOrMine implements EntryProcessor<String, String, String>, Serializable {
        private static final long serialVersionUID = 1L;
        private final String self;
        private final boolean persistent;

        ClaimIfFreeOrMine(String self, boolean persistent) {
            this.self = self;
            this.persistent = persistent;
        }

        @Override
        public String process(Map.Entry<String, String> entry) {
            String current = entry.getValue();
            String next = claimedValue(current, self, persistent);
            if (next != null) {
                entry.setValue(next);
                return null;
            }
            SessionOwner owner = SessionOwner.decode(current);
            return owner.node().equals(self) ? null : current;
        }
    }

    /** This node's session ended: the entry goes, if it is still this node's (a newer owner's stays). */
    void release(String clientId) {
        String value = map.get(clientId);
        if (value != null && self.equals(SessionOwner.decode(value).node())) {
            map.remove(clientId, value);
        }
    }
}
