package io.midge.broker.persistence;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The store's batch: every change already encoded, on the caller's thread, as the records of a RocksDB WriteBatch
 * (the write-ahead log's own format), so that a writer thread hands a whole group commit to RocksDB in one call
 * ({@link #writeBatchOf}) rather than one native call per key.
 */
final class EncodedBatch implements StoreBatch {
    enum Kind { PUT, DELETE, DELETE_RANGE }

    // Record tags of RocksDB's WriteBatch for the default column family (ValueType in its db/dbformat.h).
    private static final byte TAG_DELETE = 0x0;
    private static final byte TAG_PUT = 0x1;
    private static final byte TAG_DELETE_RANGE = 0xF;
    /** A WriteBatch starts with its sequence number (fixed64, set by RocksDB) and record count (fixed32). */
    private static final int HEADER = 12;

    private static final byte[] EMPTY = {};

    private final String owner;
    /** Whether this batch's queue entries may be cancelled before it is written ({@link #cancellableQueued}). */
    private boolean cancellable;
    /** The cancellable puts among the records, in order. Null until the first. */
    private CancellablePuts cancellablePuts;
    /** Set by {@link #take}: what the writer copies of the records, and how many changes that is. */
    private int takenLength;
    private int takenCount;
    private boolean taken;
    /** Made at the first change: most batches of a broker with clean sessions only stay empty. */
    private byte[] records = EMPTY;
    private int length;
    private int count;
    private long bytes;
    private boolean sealed;
    private boolean syncNeeded = true;
    // The message encoded last: a message fanned out to many subscribers' queues is encoded once.
    private StoredMessage lastMessage;
    private byte[] lastEncoded;
    // The client whose queue entry was encoded last, and its identifier in UTF-8.
    private String lastClientId;
    private byte[] lastClientIdUtf8;

    EncodedBatch(String owner) {
        this.owner = owner;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public boolean isEmpty() {
        return count == 0;
    }

    @Override
    public StoreBatch noSyncNeeded() {
        syncNeeded = false;
        return this;
    }

    @Override
    public boolean syncNeeded() {
        return syncNeeded;
    }

    @Override
    public StoreBatch cancellableQueued() {
        cancellable = true;
        return this;
    }

    /** How many changes the batch holds. */
    int count() {
        return count;
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

    /**
     * The serialized WriteBatch of these batches, in order: what {@code new WriteBatch(byte[])} takes. Empty batches
     * add nothing; each batch was {@link #take taken} first, and its cancelled queue entries are left out.
     */
    static byte[] writeBatchOf(List<EncodedBatch> batches) {
        int size = HEADER;
        int total = 0;
        for (EncodedBatch b : batches) {
            b.take();
            size += b.takenLength;
            total += b.takenCount;
        }
        byte[] rep = new byte[size];
        rep[8] = (byte) total;
        rep[9] = (byte) (total >>> 8);
        rep[10] = (byte) (total >>> 16);
        rep[11] = (byte) (total >>> 24);
        int at = HEADER;
        for (EncodedBatch b : batches) {
            at = b.copyTakenTo(rep, at);
        }
        return rep;
    }

    /**
     * Called by the writer before it writes the batch: decides each cancellable queue entry (taken, taken with the
     * packet identifier it was sent under, or left out as cancelled; see {@link QueuedPut}). Returns how many changes
     * are written.
     */
    int take() {
        if (taken) {
            return takenCount;
        }
        taken = true;
        takenLength = length;
        takenCount = count;
        if (cancellablePuts != null) {
            takenLength += cancellablePuts.take();
            takenCount -= cancellablePuts.leftOut();
        }
        return takenCount;
    }

    /** How many of its changes were left out as cancelled (after {@link #take}). */
    int cancelled() {
        return count - takenCount;
    }

    /** Whether the batch had changes and all were cancelled: it has nothing to write, and so nothing to sync. */
    boolean allCancelled() {
        return count > 0 && takenCount == 0;
    }

    private int copyTakenTo(byte[] rep, int at) {
        if (cancellablePuts == null) {
            System.arraycopy(records, 0, rep, at, length);
            return at + length;
        }
        return cancellablePuts.copy(records, length, rep, at);
    }

    /** The batch was written, or will never be: its queue entries can no longer be cancelled. */
    void settle() {
        if (cancellablePuts != null) {
            cancellablePuts.settle();
        }
    }

    /** Adds one change; package-private so that tests can add one the public methods never would. */
    EncodedBatch add(Kind kind, byte[] key, byte[] value) {
        checkOpen();
        boolean hasValue = kind != Kind.DELETE;
        ensure(1 + 5 + key.length + (hasValue ? 5 + value.length : 0));
        records[length++] = switch (kind) {
            case PUT -> TAG_PUT;
            case DELETE -> TAG_DELETE;
            case DELETE_RANGE -> TAG_DELETE_RANGE;
        };
        writeSlice(key);
        if (hasValue) {
            writeSlice(value); // for a range delete, the exclusive end key
        }
        count++;
        bytes += 32 + key.length + value.length;
        return this;
    }

    private void writeSlice(byte[] data) {
        writeLength(data.length);
        System.arraycopy(data, 0, records, length, data.length);
        length += data.length;
    }

    private void writeLength(int n) {
        length = ByteWriter.writeVar(n, records, length); // RocksDB's varint32: the same seven bits a byte
    }

    private void checkOpen() {
        if (sealed) {
            throw new IllegalStateException("a submitted batch cannot change");
        }
    }

    private void ensure(int more) {
        if (length + more > records.length) {
            records = Arrays.copyOf(records, Math.max(Math.max(records.length * 2, 96), length + more));
        }
    }

    /**
     * {@code put(Keys.queued(...), Values.delivery(...))}, encoded in place instead of in two arrays first. Returns
     * the value's length: it ends the record.
     */
    private int putQueued(byte[] clientIdUtf8, long sequence, StoredDelivery delivery, byte[] encodedMessage) {
        checkOpen();
        int keyLength = Keys.queuedLength(clientIdUtf8);
        int valueLength = Values.deliveryLength(delivery, encodedMessage);
        ensure(1 + 5 + keyLength + 5 + valueLength);
        records[length++] = TAG_PUT;
        writeLength(keyLength);
        length = Keys.writeQueued(clientIdUtf8, sequence, records, length);
        writeLength(valueLength);
        length = Values.writeDelivery(delivery, encodedMessage, records, length);
        count++;
        bytes += 32 + keyLength + valueLength;
        return valueLength;
    }

    private EncodedBatch put(byte[] key, byte[] value) {
        return add(Kind.PUT, key, value);
    }

    private EncodedBatch delete(byte[] key) {
        return add(Kind.DELETE, key, EMPTY);
    }

    @Override
    public StoreBatch addAll(StoreBatch other) {
        checkOpen();
        EncodedBatch encoded = (EncodedBatch) other;
        ensure(encoded.length);
        System.arraycopy(encoded.records, 0, records, length, encoded.length);
        if (encoded.cancellablePuts != null) {
            cancellables().addAll(encoded.cancellablePuts, length);
        }
        length += encoded.length;
        count += encoded.count;
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
    public StoreBatch putSubscription(String clientId, String filter, StoredSubscription options) {
        return put(Keys.subscription(clientId, filter), Values.subscription(options));
    }

    @Override
    public StoreBatch removeSubscription(String clientId, String filter) {
        return delete(Keys.subscription(clientId, filter));
    }

    @Override
    public StoreBatch appendQueued(String clientId, long sequence, StoredDelivery delivery) {
        appendCancellable(clientId, sequence, delivery);
        return this;
    }

    @Override
    public QueuedPut appendCancellable(String clientId, long sequence, StoredDelivery delivery) {
        StoredMessage message = delivery.message();
        if (message != lastMessage) {
            lastMessage = message;
            lastEncoded = Values.message(message);
        }
        if (!clientId.equals(lastClientId)) { // most often the very same String: a batch is one publisher's pass
            lastClientId = clientId;
            lastClientIdUtf8 = Keys.utf8ClientId(clientId);
        }
        int start = length;
        int valueLength = putQueued(lastClientIdUtf8, sequence, delivery, lastEncoded);
        if (!cancellable) {
            return null;
        }
        QueuedPut put = new QueuedPut();
        cancellables().add(put, start, length - valueLength, length);
        return put;
    }

    private CancellablePuts cancellables() {
        if (cancellablePuts == null) {
            cancellablePuts = new CancellablePuts();
        }
        return cancellablePuts;
    }

    @Override
    public StoreBatch removeQueued(String clientId, long sequence) {
        delete(Keys.queued(clientId, sequence));
        return delete(Keys.sent(clientId, sequence));
    }

    @Override
    public StoreBatch removeQueued(String clientId, long first, long last) {
        if (first > last) {
            throw new IllegalArgumentException("an empty run of queued deliveries: " + first + ".." + last);
        }
        if (first == last) {
            return removeQueued(clientId, first);
        }
        // The run's end is exclusive in RocksDB's range deletion.
        return add(Kind.DELETE_RANGE, Keys.queued(clientId, first), Keys.queued(clientId, last + 1));
    }

    @Override
    public StoreBatch putInflight(String clientId, int packetId, long sequence, InflightState state) {
        Objects.requireNonNull(state, "state");
        if (state == InflightState.AWAITING_PUBCOMP) {
            // The queued delivery goes with this change (PUBREC): the packet identifier is all that is left.
            return put(Keys.inflight(clientId, packetId), Values.inflight(state, sequence));
        }
        return put(Keys.sent(clientId, sequence), Values.sent(state, Keys.checkPacketId(packetId)));
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
    public StoreBatch putMovedCopies(String clientId, StoredMovedCopies copies) {
        return put(Keys.movedCopies(clientId), Values.movedCopies(copies));
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
