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

    /** The session of {@code clientId} ended on this node (called on its loop; must not block). */
    void ended(String clientId);

    /**
     * Why a connection is refused: {@code serverReference} non-null means "use another server" (5.0 reason 0x9C with
     * that Server Reference), otherwise the server is unavailable (0x88).
     */
    record Refusal(String reason, String serverReference) {
    }
}
