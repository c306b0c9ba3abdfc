package io.midge.broker.routing;

import java.util.Arrays;

/**
 * The deliveries of one published message, as {@link TopicTree#match} found them: each subscriber once for its plain
 * subscriptions, with their options merged, and once more for each shared subscription that chose it.
 *
 * <p>Reusable and not thread-safe: keep one per event loop and pass it to every match, so that the publish path
 * allocates nothing once the arrays have grown to the fan-out seen. The results stay valid until the next match.
 */
public final class Matches {
    private static final int[] NO_IDS = {};
    /** Below this many deliveries a linear scan finds a subscriber faster than hashing it. */
    private static final int LINEAR_SCAN = 8;

    // The deliveries, as parallel arrays.
    private Subscriber[] subscribers = new Subscriber[8];
    private byte[] qos = new byte[8];
    private boolean[] retainAsPublished = new boolean[8];
    private boolean[] shared = new boolean[8];
    private boolean[] durable = new boolean[8];
    private int[] firstId = new int[8]; // 1 + index into the id lists below, 0 for none
    private int size;
    private int plainCount;
    /** How many of the deliveries are for other nodes of a cluster (their forwarding queues). */
    private int nodeTargets;
    /** Whether the message came from another node of a cluster: it goes to no node then (see NodeClientIds). */
    boolean fromNode;

    // Subscription identifiers: one linked list per delivery, in two int arrays.
    private int[] idValues = new int[8];
    private int[] idNext = new int[8];
    private int idCount;

    // Identity hash index of plain deliveries, built once there are more than LINEAR_SCAN of them. A slot is in use
    // only if its stamp is the current one, so clearing is one increment rather than a fill.
    private int[] indexSlots;
    private int[] indexStamps;
    private int stamp = 1;
    private boolean indexed;

    // The pending nodes of the trie walk, with the offset of the next topic level (-1 when the topic is consumed);
    // an explicit stack because a topic may have tens of thousands of levels.
    TopicNode[] pendingNodes = new TopicNode[16];
    int[] pendingOffsets = new int[16];
    int pending;
    final LevelKey levelKey = new LevelKey();

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** How many of the deliveries go to other nodes of a cluster. */
    public int nodeTargets() {
        return nodeTargets;
    }

    public Subscriber subscriber(int i) {
        checkIndex(i);
        return subscribers[i];
    }

    /** The maximum QoS of the matching subscriptions (the caller lowers it to the message's QoS). */
    public int qos(int i) {
        checkIndex(i);
        return qos[i];
    }

    /** Whether any of the matching subscriptions asked to keep the RETAIN flag. */
    public boolean retainAsPublished(int i) {
        checkIndex(i);
        return retainAsPublished[i];
    }

    /**
     * Whether any of the matching subscriptions is {@link Subscription#durable}: a QoS 1 delivery to a stored
     * subscriber is kept in the store only then.
     */
    public boolean durable(int i) {
        checkIndex(i);
        return durable[i];
    }

    /** Whether this delivery is for a shared subscription (reported apart from the subscriber's own ones). */
    public boolean shared(int i) {
        checkIndex(i);
        return shared[i];
    }

    /** The non-zero Subscription Identifiers of the matching subscriptions, ascending and distinct; a new array. */
    public int[] subscriptionIds(int i) {
        checkIndex(i);
        int count = 0;
        for (int id = firstId[i]; id != 0; id = idNext[id - 1]) {
            count++;
        }
        if (count == 0) {
            return NO_IDS;
        }
        int[] ids = new int[count];
        int n = 0;
        for (int id = firstId[i]; id != 0; id = idNext[id - 1]) {
            ids[n++] = idValues[id - 1];
        }
        if (count == 1) {
            return ids;
        }
        Arrays.sort(ids);
        int distinct = 1;
        for (int k = 1; k < count; k++) {
            if (ids[k] != ids[distinct - 1]) {
                ids[distinct++] = ids[k];
            }
        }
        return distinct == count ? ids : Arrays.copyOf(ids, distinct);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Matches[");
        for (int i = 0; i < size; i++) {
            text.append(i == 0 ? "" : ", ").append(subscribers[i].clientId()).append(" qos ").append(qos[i]);
            if (shared[i]) {
                text.append(" shared");
            }
            if (retainAsPublished[i]) {
                text.append(" rap");
            }
            if (!durable[i]) {
                text.append(" not-durable");
            }
            if (firstId[i] != 0) {
                text.append(" ids ").append(Arrays.toString(subscriptionIds(i)));
            }
        }
        return text.append(']').toString();
    }

    // ------------------------------------------------------------------------------- filled by TopicTree

    void clear() {
        Arrays.fill(subscribers, 0, size, null); // do not keep sessions reachable after they are gone
        Arrays.fill(pendingNodes, 0, pending, null); // left over only if the last match threw
        pending = 0;
        size = 0;
        plainCount = 0;
        nodeTargets = 0;
        idCount = 0;
        if (indexed) {
            indexed = false;
            if (++stamp == 0) { // wrapped after 4 billion matches: forget every stamp for real
                Arrays.fill(indexStamps, 0);
                stamp = 1;
            }
        }
    }

    /** Adds a plain subscription that matched, merging it into the subscriber's delivery if it has one. */
    void addPlain(Subscription subscription, String publisherClientId) {
        SubscriptionOptions options = subscription.options();
        Subscriber subscriber = subscription.subscriber();
        if (options.noLocal() && publisherClientId != null && publisherClientId.equals(subscriber.clientId())) {
            return;
        }
        if (fromNode && subscriber.isNode()) {
            return;
        }
        int i = plainIndexOf(subscriber);
        if (i < 0) {
            i = append(subscription, false);
            plainCount++;
            if (indexed) {
                index(i);
            } else if (plainCount > LINEAR_SCAN) {
                buildIndex();
            }
        } else {
            qos[i] = (byte) Math.max(qos[i], options.qos());
            retainAsPublished[i] |= options.retainAsPublished();
            durable[i] |= subscription.durable(); // one delivery, stored if any route it came by needs it
        }
        addId(i, options.subscriptionId());
    }

    /** Adds the delivery of a shared subscription: always its own, with that subscription's options only. */
    void addShared(Subscription subscription) {
        SubscriptionOptions options = subscription.options();
        addId(append(subscription, true), options.subscriptionId());
    }

    private int append(Subscription subscription, boolean isShared) {
        SubscriptionOptions options = subscription.options();
        if (size == subscribers.length) {
            int capacity = size * 2;
            subscribers = Arrays.copyOf(subscribers, capacity);
            qos = Arrays.copyOf(qos, capacity);
            retainAsPublished = Arrays.copyOf(retainAsPublished, capacity);
            shared = Arrays.copyOf(shared, capacity);
            durable = Arrays.copyOf(durable, capacity);
            firstId = Arrays.copyOf(firstId, capacity);
        }
        int i = size++;
        subscribers[i] = subscription.subscriber();
        if (subscribers[i].isNode()) {
            nodeTargets++;
        }
        qos[i] = (byte) options.qos();
        retainAsPublished[i] = options.retainAsPublished();
        shared[i] = isShared;
        durable[i] = subscription.durable();
        firstId[i] = 0;
        return i;
    }

    private void addId(int delivery, int id) {
        if (id == 0) {
            return;
        }
        if (idCount == idValues.length) {
            idValues = Arrays.copyOf(idValues, idCount * 2);
            idNext = Arrays.copyOf(idNext, idCount * 2);
        }
        idValues[idCount] = id;
        idNext[idCount] = firstId[delivery];
        firstId[delivery] = ++idCount;
    }

    private int plainIndexOf(Subscriber subscriber) {
        if (!indexed) {
            for (int i = 0; i < size; i++) {
                if (subscribers[i] == subscriber && !shared[i]) {
                    return i;
                }
            }
            return -1;
        }
        int mask = indexSlots.length - 1;
        for (int slot = hash(subscriber) & mask; indexStamps[slot] == stamp; slot = (slot + 1) & mask) {
            int i = indexSlots[slot];
            if (subscribers[i] == subscriber) {
                return i;
            }
        }
        return -1;
    }

    private void buildIndex() {
        int capacity = Integer.highestOneBit(plainCount * 4 - 1) << 1; // at most half full until it doubles
        if (indexSlots == null || indexSlots.length < capacity) {
            indexSlots = new int[capacity];
            indexStamps = new int[capacity];
            stamp = 1;
        } else if (++stamp == 0) {
            Arrays.fill(indexStamps, 0);
            stamp = 1;
        }
        indexed = true;
        for (int i = 0; i < size; i++) {
            if (!shared[i]) {
                index(i);
            }
        }
    }

    private void index(int delivery) {
        if (plainCount * 2 > indexSlots.length) {
            buildIndex(); // indexes every plain delivery so far, this one included
            return;
        }
        int mask = indexSlots.length - 1;
        int slot = hash(subscribers[delivery]) & mask;
        while (indexStamps[slot] == stamp) {
            slot = (slot + 1) & mask;
        }
        indexSlots[slot] = delivery;
        indexStamps[slot] = stamp;
    }

    private static int hash(Subscriber subscriber) {
        int h = System.identityHashCode(subscriber);
        return h ^ (h >>> 16);
    }

    // ------------------------------------------------------------------------------- the walk's stack

    void push(TopicNode node, int offset) {
        if (pending == pendingNodes.length) {
            pendingNodes = Arrays.copyOf(pendingNodes, pending * 2);
            pendingOffsets = Arrays.copyOf(pendingOffsets, pending * 2);
        }
        pendingNodes[pending] = node;
        pendingOffsets[pending++] = offset;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("delivery " + i + " of " + size);
        }
    }
}
