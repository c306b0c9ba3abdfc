package io.midge.broker.session;

import io.midge.broker.persistence.StoredMovedCopies;
import io.midge.broker.routing.Delivery;
import java.util.List;
import java.util.function.Predicate;

/**
 * What moves a session's messages in and out in bulk, beside the flow of deliveries: recovery at start puts back
 * what the store held, and a cluster's session move inserts what the old node sent and takes out the copies that
 * came directly. All of it on the session's loop, before a connection is attached (or while none is).
 */
public final class SessionTransfer {
    private final Session session;
    private final DeliveryFlow flow;
    private final SessionMailbox mailbox;

    SessionTransfer(Session session, DeliveryFlow flow) {
        this.session = session;
        this.flow = flow;
        this.mailbox = flow.mailbox();
    }

    /** Puts back a queued delivery the store held, at start. */
    public void restoreQueued(Delivery d) {
        mailbox.restore(d);
        session.raiseNextSequence(d.sequence() + 1);
    }

    /**
     * Puts back a delivery the store held in flight, at start: a PUBLISH to re-send with DUP, or with a null
     * delivery a QoS 2 message waiting for PUBCOMP, whose PUBREL is re-sent.
     */
    public void restoreInflight(int packetId, long sequence, Delivery d) {
        flow.window().restore(packetId, sequence, d);
        session.raiseNextSequence(sequence + 1);
    }

    /** The next key of the session's queue in the store, at start: above every key it holds. */
    public void restoreNextSequence(long next) {
        session.raiseNextSequence(next);
    }

    /**
     * Puts deliveries, stored already, into the queue behind its first {@code position} ones: a cluster's session
     * move, see {@link SessionMailbox#insert}.
     */
    public void insertQueued(int position, List<Delivery> deliveries) {
        mailbox.insert(position, deliveries);
    }

    /**
     * Takes the queued deliveries {@code pick} picks out of the queue: a cluster's session move, whose old node
     * sends what the new one may hold already. The caller owns their payload references and removes them from the
     * store.
     */
    public List<Delivery> takeQueuedIf(Predicate<Delivery> pick) {
        return mailbox.takeQueuedIf(pick);
    }

    /**
     * Drops, and forgets in the store, the deliveries {@code drop} picks as they reach the session, until
     * {@code untilNanos} ({@link System#nanoTime}): in a cluster, copies of what a session moved here got from its
     * old node already.
     */
    public void dropArriving(Predicate<Delivery> drop, long untilNanos) {
        mailbox.dropArriving(drop, untilNanos);
    }

    /**
     * What a session moved here from another node of a cluster drops as copies, and which moves' tails it holds (the
     * cluster's own record, stored with the tail, restored with the session); null when it did not move here.
     */
    public StoredMovedCopies movedCopies() {
        return session.movedCopies();
    }

    /** Sets {@link #movedCopies()}: as the record stored with a tail says, or as restored at start. */
    public void movedCopies(StoredMovedCopies copies) {
        session.setMovedCopies(copies);
    }

    /**
     * The session is being handed to another node (or no longer is: it stays here). Meanwhile what it holds keeps
     * its identity: none of it gets a payload of its own ({@link OwnPayload}), which would make it another delivery.
     */
    public void handingOver(boolean on) {
        flow.setHandingOver(on);
    }
}
