package io.midge.broker.persistence;

import io.midge.broker.routing.SubscriptionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The store's batch: every change already turned into the keys and values the writer puts into a WriteBatch. */
final class EncodedBatch implements StoreBatch {
    enum Kind { PUT, DELETE, DELETE_RANGE }

    /** One change; for a range delete {@code value} is the exclusive end key. */
    record Op(Kind kind, byte[] key, byte[] value) {
    }

    private static final byte[] EMPTY = {};

    private final String owner;
    private final List<Op> ops = new ArrayList<>(4);
    private long bytes;
    private boolean sealed;
    // The message encoded last: a message fanned out to many subscribers' queues is encoded once.
    private StoredMessage lastMessage;
    private byte[] lastEncoded;

    EncodedBatch(String owner) {
        this.owner = owner;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public boolean isEmpty() {
        return ops.isEmpty();
    }

    List<Op> ops() {
        return ops;
    }

    /** Roughly what the batch occupies while it waits to be written; bounds the writers' queues. */
    long bytes() {
        return bytes;
    }

    /** Called on submission: from then on the batch belongs to the writer. */
    void seal() {
        if (sealed) {
            throw new IllegalStateException("this batch was submitted already");
        }
        sealed = true;
    }

    private EncodedBatch add(Kind kind, byte[] key, byte[] value) {
        if (sealed) {
            throw new IllegalStateException("a submitted batch cannot change");
        }
        ops.add(new Op(kind, key, value));
        bytes += 32 + key.length + value.length;
        return this;
    }

    private EncodedBatch put(byte[] key, byte[] value) {
        return add(Kind.PUT, key, value);
    }

    private EncodedBatch delete(byte[] key) {
        return add(Kind.DELETE, key, EMPTY);
    }

    @Override
    public StoreBatch addAll(StoreBatch other) {
        if (sealed) {
            throw new IllegalStateException("a submitted batch cannot change");
        }
        EncodedBatch encoded = (EncodedBatch) other;
        ops.addAll(encoded.ops);
        bytes += encoded.bytes;
        return this;
    }

    @Override
    public StoreBatch putSession(StoredSession session) {
        return put(Keys.session(session.clientId()), Values.session(session));
    }

    @Override
    public StoreBatch removeSession(String clientId) {
        add(Kind.DELETE_RANGE, Keys.clientStart(clientId), Keys.clientEnd(clientId));
        return delete(Keys.will(clientId));
    }

    @Override
    public StoreBatch putSubscription(String clientId, String filter, SubscriptionOptions options) {
        return put(Keys.subscription(clientId, filter), Values.subscription(options));
    }

    @Override
    public StoreBatch removeSubscription(String clientId, String filter) {
        return delete(Keys.subscription(clientId, filter));
    }

    @Override
    public StoreBatch appendQueued(String clientId, long sequence, StoredDelivery delivery) {
        StoredMessage message = delivery.message();
        if (message != lastMessage) {
            lastMessage = message;
            lastEncoded = Values.message(message);
        }
        return put(Keys.queued(clientId, sequence), Values.delivery(delivery, lastEncoded));
    }

    @Override
    public StoreBatch removeQueued(String clientId, long sequence) {
        return delete(Keys.queued(clientId, sequence));
    }

    @Override
    public StoreBatch putInflight(String clientId, int packetId, long sequence, InflightState state) {
        Objects.requireNonNull(state, "state");
        return put(Keys.inflight(clientId, packetId), Values.inflight(state, sequence));
    }

    @Override
    public StoreBatch removeInflight(String clientId, int packetId) {
        return delete(Keys.inflight(clientId, packetId));
    }

    @Override
    public StoreBatch putInboundQos2(String clientId, int packetId) {
        return put(Keys.inboundQos2(clientId, packetId), EMPTY);
    }

    @Override
    public StoreBatch removeInboundQos2(String clientId, int packetId) {
        return delete(Keys.inboundQos2(clientId, packetId));
    }

    @Override
    public StoreBatch putRetained(StoredMessage message) {
        return put(Keys.retained(message.topic()), Values.message(message));
    }

    @Override
    public StoreBatch removeRetained(String topic) {
        return delete(Keys.retained(topic));
    }

    @Override
    public StoreBatch putWill(StoredWill will) {
        return put(Keys.will(will.clientId()), Values.will(will));
    }

    @Override
    public StoreBatch removeWill(String clientId) {
        return delete(Keys.will(clientId));
    }
}
