package io.midge.broker.cluster;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old owner's copy of the tails of sessions it handed on ({@link HandoverCodec#tail}), each kept until the new
 * owner says it stored it ({@link HandoverCodec#tailStored}). A tail travels as a QoS 0 control message, and the old
 * owner drops its copy of the session right after sending it: without this copy, a new owner that died before it
 * stored the tail lost those messages. Kept is the encoded tail only, not the session.
 *
 * <p>A held tail is sent again whenever the link to its node comes (back) up, and every {@link #RESEND_MILLIS}
 * meanwhile; the new owner applies a tail once (by its move's request identifier, stored with it), so a copy that
 * crosses its acknowledgement costs nothing. It is dropped when acknowledged, when the registry no longer names its
 * node under the epoch of the move (the session moved on or ended: nobody there waits for it), or after
 * {@link #GIVE_UP_MILLIS}.
 *
 * <p>Threads: any; {@link #tick} runs on the session thread in a broker.
 */
final class PendingTails {
    private static final Logger log = LoggerFactory.getLogger(PendingTails.class);
    /** How often a tail not acknowledged yet is sent again (the acknowledgement normally takes milliseconds). */
    static final long RESEND_MILLIS = 2_000;
    /**
     * How long a tail is kept for a new owner that does not acknowledge it, while the registry still says that node
     * holds the session: long enough for that node to be restarted on its data directory (by a supervisor in seconds,
     * with its machine in minutes), after which it restores the session and needs the tail; a node down for longer
     * is an outage someone looks at, and the WARN names what is lost. What it costs is the messages of one move's
     * window per such session, in memory.
     */
    static final long GIVE_UP_MILLIS = TimeUnit.MINUTES.toMillis(10);

    /** How a tail goes to a node: {@link HandoverLinks#send}. */
    interface Sender {
        void send(String node, byte[] message, long deadlineNanos);
    }

    /** A tail is named by the node it went to and its move's request identifier (the asking node's). */
    private record Key(String node, long requestId) {
    }

    private record Held(SessionOwner to, String clientId, byte[] tail, long sinceNanos) {
    }

    private final Map<Key, Held> held = new ConcurrentHashMap<>();
    private final Function<String, CompletionStage<SessionOwner>> registry;
    private final Sender sender;
    private final LongSupplier nanoClock;

    /**
     * {@code registry}: who owns a client's session now ({@link SessionOwners#getAsync}); {@code nanoClock}: as
     * {@link System#nanoTime}.
     */
    PendingTails(Function<String, CompletionStage<SessionOwner>> registry, Sender sender, LongSupplier nanoClock) {
        this.registry = registry;
        this.sender = sender;
        this.nanoClock = nanoClock;
    }

    /**
     * Sends the tail of move {@code requestId} to the session's new owner {@code to} (waiting for its link as long as
     * the new owner waits for the tail), and keeps it until acknowledged.
     */
    void hold(SessionOwner to, String clientId, long requestId, byte[] tail) {
        long now = nanoClock.getAsLong();
        held.put(new Key(to.node(), requestId), new Held(to, clientId, tail, now));
        sender.send(to.node(), tail, now + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS));
    }

    /** Node {@code from} stored the tail of move {@code requestId}: this node's copy goes. */
    void stored(String from, long requestId) {
        Held h = held.remove(new Key(from, requestId));
        if (h != null) {
            log.debug("Session of '{}': node '{}' stored its tail", h.clientId(), from);
        }
    }

    /** The link to {@code node} came (back) up: what it has not acknowledged goes again now, if still wanted. */
    void linkUp(String node) {
        held.forEach((key, h) -> {
            if (key.node().equals(node)) {
                sendIfWanted(key, h);
            }
        });
    }

    /**
     * Every {@link #RESEND_MILLIS}: gives up the tails held too long, drops those whose session moved on or ended,
     * and sends the others again.
     */
    void tick() {
        long now = nanoClock.getAsLong();
        held.forEach((key, h) -> {
            if (now - h.sinceNanos() > TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MILLIS)) {
                if (held.remove(key, h)) {
                    log.warn("Session of '{}': node '{}' did not say in {} min that it stored the tail of its move "
                            + "({} bytes); this node gives it up: the messages that reached the session here during "
                            + "the move are lost unless that node stored them", h.clientId(), key.node(),
                            TimeUnit.MILLISECONDS.toMinutes(GIVE_UP_MILLIS), h.tail().length);
                }
                return;
            }
            sendIfWanted(key, h);
        });
    }

    /**
     * Sends a held tail again while the registry names its node under the move's epoch; drops it otherwise. Asked
     * before every send: a session that moved on and came back to the same node (a higher epoch) is another copy
     * there, which a late tail of the earlier move must not reach.
     */
    private void sendIfWanted(Key key, Held h) {
        registry.apply(h.clientId()).whenComplete((owner, error) -> {
            if (error == null && (owner == null || !owner.node().equals(h.to().node())
                    || owner.epoch() != h.to().epoch())) {
                if (held.remove(key, h)) {
                    log.info("Session of '{}' {} before node '{}' said it stored its tail: the tail is dropped",
                            h.clientId(), owner == null ? "ended" : "moved on to node '" + owner.node() + "'",
                            key.node());
                }
            } else if (held.get(key) == h) {
                sendAgain(h); // the registry unread, or the node still holds it: it may still need the tail
            }
        });
    }

    /** Whether this node still holds the tail of move {@code requestId} for {@code node}. */
    boolean holds(String node, long requestId) {
        return held.containsKey(new Key(node, requestId));
    }

    private void sendAgain(Held h) {
        // Tried once: a link not up now gets it when it comes up (linkUp), or at the next tick.
        sender.send(h.to().node(), h.tail(), nanoClock.getAsLong());
    }
}
