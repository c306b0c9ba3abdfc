package io.midge.broker.routing;

import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.routing.Matches;
import io.midge.broker.routing.RetainedStore;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.midge.codec.Topics;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each published message to every matching subscriber's session and keeps the retained ones. Runs on the
 * publisher's event loop; the sessions take it from there on their own loops.
 */
public final class Router {
    /** What became of a message: how a 5.0 publisher's PUBACK or PUBREC says it. */
    public enum Outcome { DELIVERED, NO_SUBSCRIBERS, QUOTA_EXCEEDED }

    private static final Logger log = LoggerFactory.getLogger(Router.class);


    private final Persistence store;
    private final TopicTree topicTree = new TopicTree();
    private final RetainedStore<Message> retained = new RetainedStore<>();
    private final FastThreadLocal<Matches> matches = new FastThreadLocal<>() {
        @Override
        protected Matches initialValue() {
            return new Matches();
        }
    };

    /** The other nodes of a cluster, each subscribed as if to everything: they all keep every retained message. */
    private volatile Subscription[] everyNode = new Subscription[0];
    /** This node catching up on the cluster's retained messages; null when it is not (see {@link RetainedSync}). */
    private volatile RetainedSync retainedSync;
    /**
     * The last {@link Message#forwardId} given here. Starts from the clock (milliseconds, shifted past a million ids
     * a millisecond), so that a restarted node does not give a number its last run gave to a message still on its
     * way somewhere.
     */
    private final java.util.concurrent.atomic.AtomicLong forwardIds =
            new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis() << 20);

    public Router(Persistence store) {
        this.store = store;
    }

    /**
     * The last {@link Message#forwardId} given here (they only grow): in a cluster's session move, every message
     * routed before a change of routes has one at most this high.
     */
    public long lastForwardId() {
        return forwardIds.get();
    }

    public TopicTree topicTree() {
        return topicTree;
    }

    public RetainedStore<Message> retained() {
        return retained;
    }

    /**
     * The other nodes of the cluster: a retained message (or its clearing) published here goes to each of them,
     * whether or not one of their subscriptions matches it, once; so every node keeps every retained message.
     */
    public void setEveryNode(Subscription[] nodes) {
        this.everyNode = nodes.clone();
    }

    /**
     * Routes a message from the broker itself (a will); takes over the caller's reference to its payload. With a
     * durable store a QoS 1/2 message is queued for persistent sessions in the store first, and handed over once
     * written (on the writer's thread: offering is quick and thread-safe); its outcome is then not known yet.
     */
    public Outcome publish(Message message) {
        if (!store.isDurable() || message.qos() == 0) {
            return offer(route(message, null));
        }
        StoreBatch batch = store.batch(message.publisherId());
        Routed routed = route(message, batch);
        store.write(batch, null).whenComplete((v, e) -> {
            if (e == null) {
                offer(routed);
            } else {
                log.warn("Storing a will failed, not published: {}", e.toString());
                discard(routed);
            }
        });
        return Outcome.DELIVERED;
    }

    /**
     * Routes a message from the broker itself, like {@link #publish}, for a caller that answers only once the
     * broker has taken it (the management API's publish): the future completes with the outcome once a QoS 1/2
     * message is durable and handed to its subscribers, or fails when the store did not take it (nothing is
     * delivered then). Takes over the caller's reference to the payload.
     */
    public CompletableFuture<Outcome> publishDurably(Message message) {
        return publishDurably(message, store.batch(message.publisherId()));
    }

    /**
     * {@link #publishDurably(Message)} with a batch of the publisher's that already holds changes of its own (a
     * bridge's QoS 2 identifier), written in the same commit as the message; ignored for QoS 0 or a store in memory.
     */
    public CompletableFuture<Outcome> publishDurably(Message message, StoreBatch batch) {
        if (!store.isDurable() || message.qos() == 0) {
            return CompletableFuture.completedFuture(offer(route(message, null)));
        }
        Routed routed = route(message, batch);
        return store.write(batch, null).handle((v, e) -> {
            if (e != null) {
                discard(routed);
                throw e instanceof RuntimeException r ? r : new CompletionException(e);
            }
            return offer(routed);
        });
    }

    /**
     * A message matched against the subscriptions, its deliveries built but not handed over yet: on the durable
     * path they are handed over only once the publisher's batch, which queues them for persistent sessions, is
     * written (see {@link #route}).
     */
    public static final class Routed {
        final Message message;
        final Subscriber[] targets;
        final Delivery[] deliveries;

        Routed(Message message, int size) {
            this.message = message;
            this.targets = new Subscriber[size];
            this.deliveries = new Delivery[size];
        }
    }

    /**
     * Matches a message and builds its deliveries; takes over the caller's reference to its payload. With a batch
     * (the publisher's, when the store is durable), every QoS 1/2 delivery to a persistent session is queued in the
     * store under a key of that session, and the retained message is stored too; hand the result to
     * {@link #offer} once the batch is written, or to {@link #discard} if it failed.
     */
    public Routed route(Message message, StoreBatch batch) {
        boolean fromNode = NodeClientIds.isNode(message.publisherId());
        if (fromNode) {
            io.midge.codec.property.UserProperty mark = NodeMarks.of(message.properties());
            if (mark != null) {
                return routeMarked(message, mark, batch);
            }
        }
        if (message.retain()) {
            retain(message, batch, false);
        }
        Matches found = matches.get();
        topicTree.match(message.topic(), message.publisherId(), fromNode, found);
        Subscription[] nodes = everyNode;
        if (message.retain() && nodes.length > 0 && !found.fromNode && !message.topic().startsWith("$")) {
            for (Subscription node : nodes) {
                found.addPlain(node, message.publisherId()); // merged with a matching route of that node
            }
        }
        return deliveries(message, found, batch);
    }

    /**
     * A message from another node with a mark ({@link NodeMarks}), taken off here: for one member of a share group,
     * a retained copy for a node catching up, or plain after all.
     */
    private Routed routeMarked(Message marked, io.midge.codec.property.UserProperty mark, StoreBatch batch) {
        Message message = new Message(marked.topic(), marked.qos(), marked.retain(), marked.payload(),
                NodeMarks.unmarked(marked.properties()), marked.expiryDeadline(), marked.publisherId(),
                NodeMarks.forwardId(mark));
        Matches found = matches.get();
        switch (mark.name()) {
            case NodeMarks.SHARE, NodeMarks.SHARE_LAST -> {
                // Not retained again: every retained message reaches every node plainly as well.
                found.clear();
                found.fromNode = true;
                boolean localOnly = mark.name().equals(NodeMarks.SHARE_LAST);
                Subscription member = Topics.isSharedFilter(mark.value())
                        ? topicTree.sharedMember(mark.value(), message.topic(), localOnly) : null;
                if (member != null) {
                    found.addShared(member);
                } else {
                    log.debug("No member of {} left here{} for a message on '{}': dropped", mark.value(),
                            localOnly ? "" : " nor on any other node", message.topic());
                }
            }
            case NodeMarks.SYNC -> {
                RetainedSync sync = retainedSync;
                if (NodeMarks.SYNC_END.equals(mark.value())) {
                    endRetainedSync(sync, true);
                } else if (sync != null && message.retain() && sync.takes(message.topic())) {
                    retain(message, batch, true);
                }
                found.clear();
            }
            default -> {
                if (message.retain()) {
                    retain(message, batch, false);
                }
                topicTree.match(message.topic(), message.publisherId(), true, found);
            }
        }
        return deliveries(message, found, batch);
    }

    private Routed deliveries(Message message, Matches found, StoreBatch batch) {
        if (found.nodeTargets() > 0 && found.size() > 1 && !found.fromNode) {
            // Going to another node and somewhere else too: if a session that it reaches here or there moves between
            // the two meanwhile, the session's new node must tell the copies apart (see Message#forwardId).
            message = message.withForwardId(forwardIds.incrementAndGet());
        }
        Routed routed = new Routed(message, found.size());
        StoredMessage stored = null;
        for (int i = 0; i < found.size(); i++) {
            Subscriber session = found.subscriber(i);
            int qos = Math.min(message.qos(), found.qos(i));
            // Without Retain As Published a forwarded message loses its RETAIN flag (MQTT-3.3.1-12).
            boolean retainFlag = message.retain() && found.retainAsPublished(i);
            message.payload().retain();
            Delivery delivery = new Delivery(message, qos, retainFlag, found.subscriptionIds(i), found.shared(i));
            // A route of another node that no persistent session stands behind is not stored at QoS 1 (a crash of
            // this node loses what only clean sessions wanted, as on one broker). QoS 2 is stored all the same: the
            // other node holds its packet identifier until PUBREL, and only a stored in-flight record keeps this
            // node, restarted, from giving that identifier to a new message the other would drop as a duplicate.
            if (batch != null && qos > 0 && session.isStored() && (qos == 2 || found.durable(i))) {
                if (stored == null) {
                    stored = StoredMessages.toStored(message); // one copy for every subscriber
                }
                long sequence = session.reserveSequence();
                delivery = delivery.storedAs(sequence, batch.appendCancellable(session.clientId(), sequence,
                        StoredMessages.toStored(delivery, stored)));
            }
            routed.targets[i] = session;
            routed.deliveries[i] = delivery;
        }
        return routed;
    }

    /** Hands the deliveries to their sessions and lets go of the message. */
    public Outcome offer(Routed routed) {
        try {
            if (routed.targets.length == 0) {
                return Outcome.NO_SUBSCRIBERS;
            }
            int accepted = 0;
            for (int i = 0; i < routed.targets.length; i++) {
                Delivery delivery = routed.deliveries[i];
                if (routed.targets[i].offer(delivery)) {
                    accepted++;
                } else {
                    delivery.release();
                    if (delivery.isStored() && !delivery.cancelPut()) {
                        String clientId = routed.targets[i].clientId();
                        stored(store.write(store.batch(clientId).removeQueued(clientId, delivery.sequence()), null));
                    }
                }
            }
            return accepted > 0 ? Outcome.DELIVERED : Outcome.QUOTA_EXCEEDED;
        } finally {
            routed.message.payload().release();
        }
    }

    /** The publisher's batch was not written: nothing is delivered. */
    public void discard(Routed routed) {
        for (Delivery d : routed.deliveries) {
            d.release();
        }
        routed.message.payload().release();
    }

    /**
     * Keeps a retained message, or clears the topic's when the payload is empty (MQTT-3.3.1-6). The store keeps a
     * heap copy that it never releases: readers on other loops can then take references without racing a release.
     */
    private void retain(Message message, StoreBatch batch, boolean fromSync) {
        RetainedSync sync = retainedSync;
        if (sync != null && !fromSync) {
            sync.touched.add(message.topic()); // before the change: a sync's end then never clears it
        }
        if (message.payloadSize() == 0) {
            retained.remove(message.topic());
            if (batch != null) {
                batch.removeRetained(message.topic());
            } else if (storesRetained(message)) {
                stored(store.write(store.batch(message.publisherId()).removeRetained(message.topic()), null));
            }
            return;
        }
        Message copy = new Message(message.topic(), message.qos(), true,
                Unpooled.wrappedBuffer(ByteBufUtil.getBytes(message.payload())), message.properties(),
                message.expiryDeadline(), message.publisherId());
        retained.put(message.topic(), copy);
        if (batch != null) {
            batch.putRetained(StoredMessages.toStored(copy));
        } else if (storesRetained(message)) {
            // Written in the publisher's order (its batches keep theirs), without holding up the delivery.
            stored(store.write(store.batch(message.publisherId()).putRetained(StoredMessages.toStored(copy)), null));
        }
    }

    /**
     * Whether a retained message goes to the store too. Not the broker's own on {@code $} topics (only it may publish
     * there: {@code $SYS} figures), which it publishes again every interval: a restart must not show the last run's
     * figures as if they were current, as Mosquitto does not either.
     */
    private boolean storesRetained(Message message) {
        return store.isDurable() && !message.topic().startsWith("$");
    }

    private static void stored(CompletableFuture<Void> write) {
        write.whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing a retained message failed: {}", e.toString());
            }
        });
    }

    /**
     * This node starts catching up on the cluster's retained messages (another node is asked for copies of its
     * own): from now on, what is retained or cleared here by anything but a copy is newer than the copies.
     */
    public void beginRetainedSync() {
        retainedSync = new RetainedSync();
    }

    /** Whether this node is still catching up (no end mark came yet). */
    public boolean retainedSyncRunning() {
        return retainedSync != null;
    }

    /**
     * The copies are all in ({@code complete}): a retained message from another node that none of them renewed, and
     * nothing newer either, was cleared while this node was away, and is cleared here too. Without
     * {@code complete} (no other node to ask) the sync just ends.
     */
    public void endRetainedSync(boolean complete) {
        endRetainedSync(retainedSync, complete);
    }

    private void endRetainedSync(RetainedSync sync, boolean complete) {
        if (sync == null || retainedSync != sync) {
            return;
        }
        retainedSync = null;
        if (!complete) {
            return;
        }
        java.util.List<String> stale = new java.util.ArrayList<>();
        retained.forEach((topic, message) -> {
            if (sync.stale(topic, message)) {
                stale.add(topic);
            }
        });
        for (String topic : stale) {
            Message held = retained.get(topic);
            if (held != null && sync.stale(topic, held)) {
                retained.remove(topic);
                if (storesRetained(held)) {
                    stored(store.write(store.batch(held.publisherId()).removeRetained(topic), null));
                }
            }
        }
        log.info("Retained messages in step with the cluster: {} copies taken, {} cleared meanwhile removed",
                sync.copied.size(), stale.size());
    }

    /** Puts a retained message the store held back, at start. */
    public void restoreRetained(StoredMessage message) {
        retained.put(message.topic(), StoredMessages.fromStored(message));
    }

    /** Sends the retained messages matching a new subscription, with the RETAIN flag set (MQTT-3.3.1-8). */
    public void sendRetained(Subscriber session, String filter, SubscriptionOptions options) {
        long now = System.nanoTime();
        int[] ids = options.subscriptionId() == 0 ? Delivery.NO_IDS : new int[] {options.subscriptionId()};
        retained.match(filter, message -> {
            if (message.isExpired(now)) {
                return;
            }
            message.payload().retain();
            if (!session.offer(new Delivery(message, Math.min(message.qos(), options.qos()), true, ids))) {
                message.payload().release();
            }
        });
    }
}
