package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages waiting for a session's client, not sent yet: a lock-free inbox that publishers on any loop fill, and
 * the queue the owner loop drains it into, in batches (one task per batch, not per message). Both count together
 * ({@link MailboxCount}) against the client's bounds of messages and bytes; what does not fit is dropped by the
 * configured policy, counted and logged ({@link MailboxBounds} says which bounds, and counts and logs the drops).
 * The {@link OutboundWindow} takes messages from the head of the queue as the client can receive them.
 *
 * <p>Threads: {@link #offer} from any thread; everything else on the session's loop only.
 *
 * <p>Memory: every idle connection has one, so the mailbox is its own drain task, its counters are fields updated
 * atomically (not Atomic* objects; inherited from {@link MailboxCount}, not an object of their own), and its inbox
 * and queue are made at the first message. Not final only so that its unit test can count the drain tasks.
 */
class SessionMailbox extends MailboxCount implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SessionMailbox.class);

    private final Session session;
    private final MailboxBounds bounds;

    // Shared with producers on other loops.
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<SessionMailbox, Queue> INBOX =
            AtomicReferenceFieldUpdater.newUpdater(SessionMailbox.class, Queue.class, "inbox");
    /**
     * Made at the first offer: its first chunk is an array of 1,024 slots, about 4 KB, and most sessions of idle
     * devices never receive a message (measured: half of the heap of 10,000 idle connections).
     */
    private volatile Queue<Delivery> inbox;
    private static final AtomicIntegerFieldUpdater<SessionMailbox> DRAIN_SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(SessionMailbox.class, "drainScheduled");
    private volatile int drainScheduled;

    // Owned by the session's loop.
    /** Made at the first message, like the inbox. */
    private ArrayDeque<Delivery> queue;
    /** How many deliveries the last drain put at the queue's tail: those {@link #ownQueued} may have to copy. */
    private int drained;
    /** Arrivals to drop as they are drained, until their time is up (see {@link #dropArriving}); else null. */
    private ArrivingCopies copies;

    SessionMailbox(Session session, BrokerConfig config, BrokerMetrics metrics) {
        super(metrics);
        this.session = session;
        this.bounds = new MailboxBounds(config, metrics);
    }

    /** The drain task, queued on the session's loop after offers: the session drains, following it if it moved. */
    @Override
    public void run() {
        session.drain();
    }

    // ---------------------------------------------------------------- from any thread

    /**
     * Takes a delivery, from any thread, and its payload reference with it when it returns true; when it returns
     * false (the queue is full and new messages are dropped) the caller keeps the reference.
     */
    boolean offer(Delivery delivery) {
        int size = delivery.message().payloadSize();
        QueueBounds b = bounds.own();
        // With DROP_OLDEST the owner loop trims the queue; beyond twice the bound it is falling behind, and the
        // inbox itself must not grow without end.
        long factor = bounds.overflow(b) == QueueOverflow.DROP_NEW ? 1 : 2;
        long maxMessages = factor * bounds.maxMessages(b);
        long maxBytes = Math.min(bounds.maxBytes(b), Long.MAX_VALUE / 2) * factor;
        if (!reserve(size, maxMessages, maxBytes)) {
            bounds.droppedNew(b, session.clientId());
            return false;
        }
        inbox().add(delivery);
        if (DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
            // Always as a task, even on the owner loop: everything a read batch routes here goes out in one
            // drain and one flush, after the batch.
            try {
                session.executor().execute(this);
            } catch (RejectedExecutionException e) {
                // The broker is closing and its loops have stopped: no drain will come, so what the inbox holds
                // (a store write that completed after the loops ended routed it here) is let go now.
                log.debug("Session of '{}': loop stopped, mailbox released", session.clientId());
                releaseInbox();
                drainScheduled = 0;
            }
        }
        return true;
    }

    /** Bounds of this session's own in place of the clients' (see {@link QueueBounds}). */
    void bound(QueueBounds own) {
        bounds.set(own);
    }

    // ---------------------------------------------------------------- on the session's loop

    /** The inbox, made by the first producer that needs it (the others, racing, take the one it made). */
    @SuppressWarnings("unchecked")
    private Queue<Delivery> inbox() {
        Queue<Delivery> q = inbox;
        if (q == null) {
            q = PlatformDependent.newMpscQueue();
            if (!INBOX.compareAndSet(this, null, q)) {
                q = inbox;
            }
        }
        return q;
    }

    /**
     * Moves what the inbox holds to the queue (or releases it, once the session ended), then drops the oldest
     * queued messages beyond the bounds (with DROP_OLDEST the inbox may hold up to twice as many).
     */
    void drain() {
        drainScheduled = 0;
        Delivery d;
        Queue<Delivery> inbox = this.inbox;
        while (inbox != null && (d = inbox.poll()) != null) {
            if (session.isEnded()) {
                unpend(d);
                d.release();
            } else if (copies != null && isCopy(d)) {
                drop(d);
            } else {
                queue().add(d);
                drained++;
            }
        }
        trim();
    }

    private boolean isCopy(Delivery d) {
        if (copies.over()) {
            copies = null;
            return false;
        }
        return copies.pick().test(d);
    }

    /**
     * Drops the deliveries {@code drop} picks as they arrive, until {@code untilNanos} ({@link System#nanoTime}), beside
     * what earlier calls drop until their own time: copies of what a session moved here from another node of a
     * cluster got from the old node already (its tail, and a late one).
     */
    void dropArriving(Predicate<Delivery> drop, long untilNanos) {
        ArrivingCopies added = new ArrivingCopies(drop, untilNanos);
        // Added to what is dropped already, each until its own time: a move's late tail must not undo its first's.
        copies = copies == null || copies.over() ? added : copies.and(added);
    }

    /**
     * Takes the queued deliveries {@code pick} picks out of the queue, the inbox drained first, oldest first: the
     * caller owns their payload references and forgets them in the store.
     */
    List<Delivery> takeQueuedIf(Predicate<Delivery> pick) {
        drain();
        List<Delivery> taken = new ArrayList<>();
        removeQueuedIf(pick, taken::add);
        return taken;
    }

    /** Takes the queued deliveries {@code pick} picks out, oldest first, uncounted, and hands each to {@code then}. */
    private void removeQueuedIf(Predicate<Delivery> pick, Consumer<Delivery> then) {
        if (queue == null) {
            return;
        }
        for (Iterator<Delivery> it = queue.iterator(); it.hasNext(); ) {
            Delivery d = it.next();
            if (pick.test(d)) {
                it.remove();
                unpend(d);
                then.accept(d);
            }
        }
    }

    /**
     * Drops the oldest queued messages beyond the bounds, counted; logged once per thousand, or for a forwarding
     * queue once per episode (from the first drop until it is below its bounds again).
     */
    private void trim() {
        QueueBounds b = bounds.own();
        int maxMessages = bounds.maxMessages(b);
        long maxBytes = bounds.maxBytes(b);
        boolean dropped = false;
        while (queue != null && !queue.isEmpty() && (pendingMessages() > maxMessages || pendingBytes() > maxBytes)) {
            drop(queue.poll());
            bounds.droppedOldest(b, session.clientId());
            dropped = true;
        }
        bounds.trimmed(b, dropped, pendingMessages(), pendingBytes(), session.clientId());
    }

    /**
     * Gives what the last drain queued and the session could not send at once a payload of its own (see
     * {@link OwnPayload}), so that a waiting message holds what its queue counts and not the read buffer it
     * arrived in. Called after each drain's sends: those are the tail of the queue, as sends take from its head.
     */
    void ownQueued() {
        int n = queue == null ? 0 : Math.min(drained, queue.size());
        drained = 0;
        if (n == 0) {
            return;
        }
        Delivery[] tail = new Delivery[n];
        for (int i = n - 1; i >= 0; i--) {
            tail[i] = queue.pollLast();
        }
        for (Delivery d : tail) {
            queue.add(OwnPayload.of(d, metrics().payloadsCopied));
        }
    }

    private ArrayDeque<Delivery> queue() {
        if (queue == null) {
            queue = new ArrayDeque<>();
        }
        return queue;
    }

    boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    /** The queued deliveries, oldest first (the inbox not drained yet is not among them); on the loop only. */
    Iterable<Delivery> queued() {
        return queue == null ? List.of() : queue;
    }

    /** The oldest queued delivery, left in the queue; null when there is none. */
    Delivery peek() {
        return queue == null ? null : queue.peek();
    }

    /** Takes the oldest queued delivery out, to be sent: the caller owns its payload reference. */
    Delivery take() {
        Delivery d = queue.poll();
        unpend(d);
        return d;
    }

    /** Drops the oldest queued delivery, unsent (expired, or not for this client): the caller counts why. */
    void dropOldest() {
        drop(queue.poll());
    }

    private void drop(Delivery d) {
        unpend(d);
        session.flow().records().forget(d.sequence(), null, d);
        d.release();
    }

    /** Drops the queued QoS 0 messages of a client gone offline, unless the broker queues QoS 0 for such clients. */
    void dropOfflineQos0() {
        if (bounds.keepsOfflineQos0() || queue == null) {
            return;
        }
        removeQueuedIf(d -> d.qos() == 0, d -> {
            d.release();
            metrics().droppedOffline.increment();
        });
    }

    /** Puts back a queued delivery the store held, at start. */
    void restore(Delivery d) {
        pend(d);
        queue().add(d);
    }

    /**
     * Puts deliveries into the queue behind its first {@code position} ones, the inbox drained first: what a session
     * moved here from another node of a cluster received there during the move, ahead of what reached it here since.
     */
    void insert(int position, List<Delivery> deliveries) {
        drain();
        ArrayDeque<Delivery> q = queue();
        List<Delivery> head = new ArrayList<>();
        for (int i = 0; i < position && !q.isEmpty(); i++) {
            head.add(q.pollFirst());
        }
        for (int i = deliveries.size() - 1; i >= 0; i--) {
            Delivery d = deliveries.get(i);
            pend(d);
            q.addFirst(d);
        }
        for (int i = head.size() - 1; i >= 0; i--) {
            q.addFirst(head.get(i));
        }
    }

    /** Moves the waiting deliveries for shared subscriptions to {@code taken}, with their payload references. */
    void takeShared(List<Delivery> taken) {
        Delivery d;
        Queue<Delivery> inbox = this.inbox;
        while (inbox != null && (d = inbox.poll()) != null) {
            queue().add(d);
        }
        removeQueuedIf(Delivery::shared, taken::add);
    }

    /** Releases what the inbox holds; only once no loop drains it any more (or as the session ends). */
    private void releaseInbox() {
        Queue<Delivery> inbox = this.inbox;
        Delivery d;
        while (inbox != null && (d = inbox.poll()) != null) {
            unpend(d);
            d.release();
        }
    }

    /** Releases everything waiting, as the session ends. */
    void clear() {
        if (queue != null) {
            for (Delivery d : queue) {
                unpend(d);
                d.release();
            }
            queue.clear();
        }
        releaseInbox();
    }
}
