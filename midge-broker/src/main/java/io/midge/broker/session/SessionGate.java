package io.midge.broker.session;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;

/**
 * What a cluster says about a client's session before this node opens it, and hears when one ends: a client
 * identifier is owned by one node of a cluster at a time, so the session may first have to come here from its owner
 * (or the connection be refused). Without a cluster there is no gate and nothing of this runs.
 */
public interface SessionGate {
    /**
     * How long a CONNECT waits for {@link #beforeOpen} before the client is refused as unavailable (0x88; 3.1.1:
     * return code 3). A cluster's handover bounds its own steps (the owner's answer within 10 s, then the tail within
     * 10 s more), so a move that runs to its end answers well within 30 s; what this bound catches is a registry call
     * of Hazelcast's that hangs (a partition migrating on a loaded machine, a member gone but not suspected yet),
     * which has no deadline of ours: Hazelcast's own is 120 s, and a call may never complete. Meanwhile the client
     * would sit without CONNACK.
     */
    long ANSWER_WITHIN_MILLIS = 30_000;

    /**
     * Before the session of {@code clientId} is opened for a connection on {@code loop}: completes (on any thread)
     * with null once this node may open it (a session moved here is then in the registry, to be resumed), or with
     * the refusal to answer the client. Never blocks.
     */
    CompletableFuture<Refusal> beforeOpen(String clientId, boolean cleanStart, boolean persistent, EventLoop loop);

    /**
     * The registry epoch under which this node holds the session of {@code clientId}, once {@link #beforeOpen} let it
     * open (stored with the session, so that it outlives a restart of the whole cluster); 0 when not known.
     */
    default long epoch(String clientId) {
        return 0;
    }

    /** How long a CONNECT waits for {@link #beforeOpen}'s answer: {@link #ANSWER_WITHIN_MILLIS}. */
    default long answerWithinMillis() {
        return ANSWER_WITHIN_MILLIS;
    }

    /** The session of {@code clientId} ended on this node (called on its loop; must not block). */
    void ended(String clientId);

    /**
     * Why a connection is refused: {@code serverReference} non-null means "use another server" (5.0 reason 0x9C with
     * that Server Reference), otherwise the server is unavailable (0x88).
     */
    record Refusal(String reason, String serverReference) {
    }
}
