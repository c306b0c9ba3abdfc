package io.midge.broker.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * The cluster's session registry: client identifier to owning node and epoch ({@link SessionOwner}), in a Hazelcast
 * {@code IMap} (any {@link ConcurrentMap} in unit tests). Every change is a compare-and-set on one key
 * ({@code putIfAbsent}, {@code replace(key, old, new)}, {@code remove(key, old)}), which the map's partition owner
 * applies one at a time: of two nodes claiming the same session from the same owner, exactly one wins.
 *
 * <p>The epoch of a claim is the claiming node's clock in milliseconds, or one above the previous owner's epoch when
 * that is higher: every move raises it (a fencing token whatever the clocks say), and claims that follow no previous
 * owner (after a session ended, or after a restart of the whole cluster emptied the registry) still come out above
 * older ones. Each node stores the epoch with its sessions; on start it reclaims them with the stored epoch
 * ({@link #reclaim}), and the highest epoch wins: a copy that lost a move while its node was down, and that the
 * node kept on disk, loses to the copy that was moved on, whichever node starts first.
 *
 * <p>Every call answers without a thread waiting for the network.
 */
final class SessionOwners {
    private final ConcurrentMap<String, String> map;
    private final String self;
    private final LongSupplier clock;

    SessionOwners(ConcurrentMap<String, String> map, String self) {
        this(map, self, System::currentTimeMillis);
    }

    SessionOwners(ConcurrentMap<String, String> map, String self, LongSupplier clock) {
        this.map = map;
        this.self = self;
        this.clock = clock;
    }

    String self() {
        return self;
    }

    /** The owner now, or null when no node owns a session of that client; no thread waits for the answer. */
    CompletionStage<SessionOwner> getAsync(String clientId) {
        if (map instanceof IMap<String, String> imap) {
            return imap.getAsync(clientId).thenApply(SessionOwner::decode);
        }
        return CompletableFuture.completedFuture(SessionOwner.decode(map.get(clientId)));
    }

    /** The epoch a claim after {@code previous} (null: none known) takes: now, or one above it if that is higher. */
    long nextEpoch(SessionOwner previous) {
        return Math.max(previous == null ? 1 : previous.epoch() + 1, clock.getAsLong());
    }

    /** {@link #claimFrom(String, SessionOwner, boolean, long)} with the next epoch. */
    CompletionStage<SessionOwner> claimFrom(String clientId, SessionOwner expected, boolean persistent) {
        return claimFrom(clientId, expected, persistent, nextEpoch(expected));
    }

    /**
     * Makes this node the owner, under {@code epoch}, if the entry is still {@code expected} (null: no entry).
     * Completes with the new owner, or null when the entry changed meanwhile (another node claimed, or the owner let
     * go). On Hazelcast one entry processor: no thread waits for the round trip.
     */
    CompletionStage<SessionOwner> claimFrom(String clientId, SessionOwner expected, boolean persistent, long epoch) {
        SessionOwner mine = new SessionOwner(self, epoch, persistent);
        return apply(clientId, new ClaimFrom(expected == null ? null : expected.encode(), mine.encode(), false))
                .thenApply(after -> mine.equals(after) ? mine : null);
    }

    /**
     * As {@link #claimFrom}, and when the previous owner let go meanwhile (the entry is gone), claims the free entry
     * under the same epoch: what a node does after the owner answered that it dropped the session. One step.
     */
    CompletionStage<SessionOwner> claimAfter(String clientId, SessionOwner expected, boolean persistent, long epoch) {
        SessionOwner mine = new SessionOwner(self, epoch, persistent);
        return apply(clientId, new ClaimFrom(expected == null ? null : expected.encode(), mine.encode(), true))
                .thenApply(after -> mine.equals(after) ? mine : null);
    }

    /**
     * The compare-and-set of a claim: {@code mine} when the entry is {@code expected} (null: no entry), or, with
     * {@code orFree}, no entry at all; null (left as it is) otherwise.
     */
    static String claimedFromValue(String current, String expected, String mine, boolean orFree) {
        return java.util.Objects.equals(current, expected) || orFree && current == null ? mine : null;
    }

    /**
     * The common case in one step, without waiting: when nobody owns the session, or this node does, this node
     * claims it (a new entry, or its own with the persistence flag updated); otherwise nothing changes. Completes
     * with the entry as it is then: this node's, or the other owner's. On Hazelcast one entry processor, run where
     * the entry lives, so one round trip and no thread held meanwhile.
     */
    CompletionStage<SessionOwner> claimIfFreeOrMine(String clientId, boolean persistent) {
        return apply(clientId, new ClaimIfFreeOrMine(self, persistent, nextEpoch(null)));
    }

    /**
     * A session this node restored from its store, under the epoch stored with it: this node takes the entry when it
     * is free, its own, or another node's under a lower epoch; otherwise the other node's copy is the newer one.
     * Completes with the entry as it is then (this node's: won; another's: this node's copy is stale).
     */
    CompletionStage<SessionOwner> reclaim(String clientId, long storedEpoch, boolean persistent) {
        return apply(clientId, new Reclaim(self, storedEpoch, persistent));
    }

    private CompletionStage<SessionOwner> apply(String clientId, Rule rule) {
        if (map instanceof IMap<String, String> imap) {
            return imap.submitToKey(clientId, rule).thenApply(SessionOwner::decode);
        }
        String after = map.compute(clientId, (k, current) -> {
            String next = rule.next(current);
            return next == null ? current : next;
        });
        return CompletableFuture.completedFuture(SessionOwner.decode(after));
    }

    /**
     * What the entry becomes when this node claims it if free or its own: the new value, or null to leave it (the
     * entry is another node's, or this node's already as wanted).
     */
    static String claimedValue(String current, String self, boolean persistent, long epochIfFree) {
        SessionOwner owner = SessionOwner.decode(current);
        if (owner == null) {
            return new SessionOwner(self, epochIfFree, persistent).encode();
        }
        if (owner.node().equals(self) && owner.persistent() != persistent) {
            return new SessionOwner(self, owner.epoch(), persistent).encode();
        }
        return null;
    }

    /**
     * The reclaim rule: the highest epoch wins. The entry becomes this node's (under the stored epoch, or its own
     * higher one) when it is free, its own, or another node's under a lower epoch; null leaves it (another node's
     * under the same or a higher epoch: the holder keeps a tie).
     */
    static String reclaimedValue(String current, String self, long storedEpoch, boolean persistent) {
        SessionOwner owner = SessionOwner.decode(current);
        if (owner == null || (!owner.node().equals(self) && owner.epoch() < storedEpoch)) {
            return new SessionOwner(self, storedEpoch, persistent).encode();
        }
        if (owner.node().equals(self) && (owner.epoch() < storedEpoch || owner.persistent() != persistent)) {
            return new SessionOwner(self, Math.max(owner.epoch(), storedEpoch), persistent).encode();
        }
        return null;
    }

    /**
     * A change of one entry, as a Hazelcast entry processor (run where the entry lives; serialized to get there, so
     * each rule is a record of what it needs): answers the entry as it is afterwards.
     */
    private interface Rule extends EntryProcessor<String, String, String>, Serializable {
        /** The new value, or null to leave {@code current}. */
        String next(String current);

        @Override
        default String process(Map.Entry<String, String> entry) {
            String next = next(entry.getValue());
            if (next != null) {
                entry.setValue(next);
                return next;
            }
            return entry.getValue();
        }
    }

    /** {@link #claimedValue} as an entry processor. */
    record ClaimIfFreeOrMine(String self, boolean persistent, long epochIfFree) implements Rule {
        @Override
        public String next(String current) {
            return claimedValue(current, self, persistent, epochIfFree);
        }
    }

    /** {@link #claimedFromValue} as an entry processor. */
    record ClaimFrom(String expected, String mine, boolean orFree) implements Rule {
        @Override
        public String next(String current) {
            return claimedFromValue(current, expected, mine, orFree);
        }
    }

    /** {@link #reclaimedValue} as an entry processor. */
    record Reclaim(String self, long storedEpoch, boolean persistent) implements Rule {
        @Override
        public String next(String current) {
            return reclaimedValue(current, self, storedEpoch, persistent);
        }
    }

    /**
     * This node's session ended: the entry goes, if it is still this node's (a newer owner's stays). On Hazelcast
     * one entry processor, so that no thread waits for it (a burst of sessions ending held the session thread, and
     * every handover behind it, for a round trip each).
     */
    CompletionStage<Void> release(String clientId) {
        if (map instanceof IMap<String, String> imap) {
            return imap.submitToKey(clientId, new Release(self)).thenApply(v -> null);
        }
        map.computeIfPresent(clientId, (k, current) -> releasedValue(current, self));
        return CompletableFuture.completedFuture(null);
    }

    /** What a release leaves: nothing when the entry is {@code self}'s, else the entry as it is. */
    static String releasedValue(String current, String self) {
        return self.equals(SessionOwner.decode(current).node()) ? null : current;
    }

    /** {@link #releasedValue} as an entry processor. */
    static final class Release implements EntryProcessor<String, String, String>, Serializable {
        private static final long serialVersionUID = 1L;
        private final String self;

        Release(String self) {
            this.self = self;
        }

        @Override
        public String process(Map.Entry<String, String> entry) {
            if (entry.getValue() != null && releasedValue(entry.getValue(), self) == null) {
                entry.setValue(null); // Hazelcast: removes the entry
            }
            return null;
        }
    }
}
