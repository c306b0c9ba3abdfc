package io.midge.broker.persistence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a session moved to this node of a cluster drops as copies, and which moves' tails it holds: stored with the
 * tail's messages, in the same batch, so that a restart of the node loses neither (see the cluster's
 * {@code MovedTail}). A handful of entries per move.
 *
 * @param identities   the forward identities of the messages of the last tail whose copies have yet to arrive
 *                     (each {@code "<node's link client identifier> <forward identity>"})
 * @param routedBefore per node (its link's client identifier), the last forward identity it gave before it switched
 *                     its routes in the last move: copies up to it are dropped
 * @param appliedTails the request identifiers of the moves whose tail is queued here, oldest first, at most
 *                     {@link #APPLIED_KEPT}: a tail given again is not queued twice
 */
public record StoredMovedCopies(Set<String> identities, Map<String, Long> routedBefore, List<Long> appliedTails) {
    /**
     * How many moves' request identifiers are kept. A tail is given again only while its old node still holds it
     * for this node at the session's epoch, so only the last move's can come again; a few more cost nothing.
     */
    public static final int APPLIED_KEPT = 8;

    public StoredMovedCopies {
        identities = Set.copyOf(identities);
        routedBefore = Map.copyOf(routedBefore);
        appliedTails = List.copyOf(appliedTails);
    }

    /** Whether the tail of move {@code requestId} is queued here already. */
    public boolean applied(long requestId) {
        return appliedTails.contains(requestId);
    }

    /**
     * The record once the tail of move {@code requestId} is queued (after {@code before}, null for none): its copies
     * replace the last move's, as the session's filter of arriving copies does.
     */
    public static StoredMovedCopies after(StoredMovedCopies before, long requestId, Set<String> identities,
                                          Map<String, Long> routedBefore) {
        return new StoredMovedCopies(identities, routedBefore, appliedAfter(before, requestId));
    }

    /**
     * The record once a late tail ({@code tailId}) of the last move is queued: its copies are added to the move's,
     * as the session's filter of arriving copies adds them, and its nodes' cut-offs take their place.
     */
    public static StoredMovedCopies added(StoredMovedCopies before, long tailId, Set<String> identities,
                                          Map<String, Long> routedBefore) {
        if (before == null) {
            return after(null, tailId, identities, routedBefore);
        }
        Set<String> all = new HashSet<>(before.identities);
        all.addAll(identities);
        Map<String, Long> cutOffs = new HashMap<>(before.routedBefore);
        cutOffs.putAll(routedBefore);
        return new StoredMovedCopies(all, cutOffs, appliedAfter(before, tailId));
    }

    private static List<Long> appliedAfter(StoredMovedCopies before, long requestId) {
        List<Long> applied = new ArrayList<>(before == null ? List.of() : before.appliedTails);
        applied.add(requestId);
        while (applied.size() > APPLIED_KEPT) {
            applied.remove(0);
        }
        return applied;
    }
}
