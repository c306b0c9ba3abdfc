package io.midge.broker.persistence;


/**
 * Changes that land together or not at all: build one with {@link Persistence#batch}, add changes, and hand it to
 * {@link Persistence#write}. Everything is encoded as it is added, on the caller's thread, so the caller may let go
 * of (or release) what it passed right away, and the store's writer threads only copy bytes.
 *
 * <p>Recipes for the broker's flows (a "sequence" numbers a client's queued deliveries, increasing, never reused):
 * <ul>
 *   <li>QoS 1/2 PUBLISH in: {@code putInboundQos2} (QoS 2) + {@code appendQueued} (or {@code appendCancellable},
 *       for a QoS 1 publish delivered before it is durable) per persistent subscriber +
 *       {@code putRetained}/{@code removeRetained}; PUBACK/PUBREC when the write completes.</li>
 *   <li>Send to the subscriber: {@code putInflight(c, packetId, sequence, AWAITING_PUBACK or AWAITING_PUBREC)}:
 *       the message stays in its queue entry, and the record that it was sent sits right behind it; nothing is
 *       copied. A QoS 1 delivery whose put no writer took yet gives its put the packet identifier instead
 *       ({@link QueuedPut#sent}), and the queue entry's value itself says it was sent.</li>
 *   <li>PUBACK: {@code removeQueued}, a run of them as one {@code removeQueued(c, first, last)}, which takes their
 *       sent records along; nothing for one whose put was cancelled ({@link QueuedPut#cancel}). PUBREC: {@code putInflight(..., AWAITING_PUBCOMP)} (kept under the packet identifier)
 *       + {@code removeQueued}. PUBCOMP: {@code removeInflight}. PUBREL in: {@code removeInboundQos2}.</li>
 * </ul>
 * Within a batch, a later change to a key overrides an earlier one.
 */
public interface StoreBatch {

    /** The client whose batches this one is ordered with (see {@link Persistence#batch}). */
    String owner();

    /** Whether no change was added; an empty batch is still ordered with its owner's others. */
    boolean isEmpty();

    /** Adds the changes of another batch of the same store, after this one's; the other one is left as it was. */
    StoreBatch addAll(StoreBatch other);

    StoreBatch putSession(StoredSession session);

    /** Removes everything of the session: record, subscriptions, queue, in-flight state, inbound QoS 2, will. */
    StoreBatch removeSession(String clientId);

    StoreBatch putSubscription(String clientId, String filter, StoredSubscription options);

    StoreBatch removeSubscription(String clientId, String filter);

    StoreBatch appendQueued(String clientId, long sequence, StoredDelivery delivery);

    /**
     * {@link #appendQueued}, returning the put's handle in a batch of {@link #cancellableQueued}: the delivery keeps
     * it, and cancels the put with it if it is done with before a writer took the batch ({@link QueuedPut#cancel}).
     * Null when the batch's entries cannot be cancelled.
     */
    default QueuedPut appendCancellable(String clientId, long sequence, StoredDelivery delivery) {
        appendQueued(clientId, sequence, delivery);
        return null;
    }

    StoreBatch removeQueued(String clientId, long sequence);

    /**
     * Removes the queued deliveries {@code first} to {@code last} (inclusive) in one change: a subscriber's run of
     * acknowledged deliveries is one range deletion in the store rather than one deletion each, which is most of
     * what the store sorts when it flushes. Every sequence of the run must be done with (acknowledged, dropped, or
     * never stored): whatever the run covers is gone.
     */
    StoreBatch removeQueued(String clientId, long first, long last);

    /**
     * Marks the queued delivery {@code sequence} as sent under {@code packetId}, or moves it on to
     * {@link InflightState#AWAITING_PUBCOMP}. Recovery returns in-flight deliveries in sequence order, which is the
     * order they were sent in, even where packet identifiers wrapped around.
     */
    StoreBatch putInflight(String clientId, int packetId, long sequence, InflightState state);

    StoreBatch removeInflight(String clientId, int packetId);

    StoreBatch putInboundQos2(String clientId, int packetId);

    StoreBatch removeInboundQos2(String clientId, int packetId);

    /**
     * Stores (replacing) what a session moved here from another node of a cluster drops as copies, and which moves'
     * tails it holds: in the batch that queues a tail, so that both survive a restart or neither does.
     */
    StoreBatch putMovedCopies(String clientId, StoredMovedCopies copies);

    /** Stores the retained message of its topic, replacing the previous one. */
    StoreBatch putRetained(StoredMessage message);

    StoreBatch removeRetained(String topic);

    StoreBatch putWill(StoredWill will);

    StoreBatch removeWill(String clientId);

    /**
     * Marks the batch as one that nobody is told is durable: the records of what a subscriber acknowledged, which
     * nothing waits for. Under {@link SyncPolicy#ALWAYS} a commit of such batches only is written to the log without
     * a sync of its own (it survives a kill of the broker at once, and reaches the disk with the next synced commit,
     * which syncs the whole log); a crash of the machine in between may lose it, which at worst sends an acknowledged
     * QoS 1 message again or a PUBREL twice, as after any crash. A commit that holds any other batch is synced.
     */
    default StoreBatch noSyncNeeded() {
        return this;
    }

    /**
     * Lets the queue entries this batch appends from now on ({@link #appendCancellable}) be cancelled until a writer
     * takes the batch: one whose delivery is done with in the meantime (its subscriber acknowledged it) is written
     * neither as put nor as removal, and when every change of the batch was so cancelled, the batch completes
     * without a write or a sync of its own. For a publish whose deliveries go out before its batch is durable
     * ({@link Persistence#deliversBeforeDurable}). A store that writes nothing ignores it.
     */
    default StoreBatch cancellableQueued() {
        return this;
    }

    /** Whether a commit with this batch must be synced (see {@link #noSyncNeeded}). */
    default boolean syncNeeded() {
        return true;
    }
}
