package io.midge.broker.persistence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole store back in one sequential scan. The key layout ({@link Keys}) puts each client's records
 * together, its session record first, so a client is complete when the scan leaves its prefix. What has expired,
 * and what belongs to no session, is deleted in one synced write at the end.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final RocksDB db;
    private final String directory;
    private final long now;
    private final WriteBatch deletes = new WriteBatch();
    private final List<RecoveredSession> sessions = new ArrayList<>();
    private final List<StoredMessage> retained = new ArrayList<>();
    private final List<StoredWill> wills = new ArrayList<>();
    private int droppedSessions;
    private int droppedMessages;
    private int orphans;

    private Recovery(RocksDB db, String directory, long nowMillis) {
        this.db = db;
        this.directory = directory;
        this.now = nowMillis;
    }

    static RecoveredState run(RocksDB db, String directory, long nowMillis) {
        Recovery recovery = new Recovery(db, directory, nowMillis);
        try {
            return recovery.scan();
        } finally {
            recovery.deletes.close();
        }
    }

    /** One client's records, collected while the scan is inside its prefix. */
    private static final class Client {
        final byte[] keyPrefix;
        final String clientId;
        StoredSession session;
        final Map<String, StoredSubscription> subscriptions = new LinkedHashMap<>();
        final List<QueuedDelivery> queued = new ArrayList<>();
        final List<InflightRecord> inflight = new ArrayList<>();
        final List<Integer> inbound = new ArrayList<>();
        StoredMovedCopies movedCopies;

        Client(byte[] key, int prefixLength) {
            keyPrefix = Arrays.copyOf(key, prefixLength);
            clientId = Keys.clientIdOf(key, prefixLength);
        }

        boolean owns(byte[] key, int prefixLength) {
            return Arrays.equals(keyPrefix, 0, keyPrefix.length, key, 0, prefixLength);
        }
    }

    /** Where an in-flight record was found. */
    private enum Form {
        /** Keyed by packet identifier (a QoS 2 delivery after PUBREC, or anything in flight in a format 1 store). */
        BY_ID,
        /** A sent record, right behind its queued delivery. */
        SENT,
        /** In the queued delivery's own value: sent before its put was written ({@link QueuedPut#sent}). */
        IN_VALUE
    }

    /** An in-flight record, in one of its {@link Form}s. */
    private record InflightRecord(int packetId, Values.Inflight value, Form form) {
        byte[] key(String clientId) {
            return form == Form.BY_ID ? Keys.inflight(clientId, packetId) : Keys.sent(clientId, value.sequence());
        }
    }

    private RecoveredState scan() {
        Client client = null;
        try (ReadOptions read = new ReadOptions().setFillCache(false).setReadaheadSize(4 << 20);
             RocksIterator it = db.newIterator(read)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                try {
                    switch (key[0]) {
                        case Keys.CLIENT -> {
                            int prefixLength = Keys.clientPrefixLength(key);
                            if (client == null || !client.owns(key, prefixLength)) {
                                finish(client);
                                client = new Client(key, prefixLength);
                            }
                            read(client, key, prefixLength, it.value());
                        }
                        case Keys.META -> {
                            // The format marker, checked on open.
                        }
                        case Keys.RETAINED -> readRetained(key, it.value());
                        case Keys.WILL -> wills.add(Values.will(Keys.textAfterArea(key), it.value()));
                        default -> throw new IllegalStateException("unknown key area " + (key[0] & 0xFF));
                    }
                } catch (RuntimeException e) {
                    throw damaged(key, e);
                }
            }
            it.status();
            finish(client);
            if (deletes.count() > 0) {
                try (WriteOptions sync = new WriteOptions().setSync(true)) {
                    db.write(sync, deletes);
                }
            }
        } catch (RocksDBException e) {
            throw new PersistenceException("Reading the store in " + directory + " failed: " + e.getMessage()
                    + ". Move the directory away to start empty, or restore a backup.", e);
        }
        if (orphans > 0) {
            log.warn("Store in {}: removed {} records of clients without a session", directory, orphans);
        }
        return new RecoveredState(List.copyOf(sessions), List.copyOf(retained), List.copyOf(wills), droppedSessions,
                droppedMessages);
    }

    private PersistenceException damaged(byte[] key, RuntimeException cause) {
        String shown = new String(key, 0, Math.min(key.length, 80), java.nio.charset.StandardCharsets.ISO_8859_1);
        return new PersistenceException("The store in " + directory + " holds a damaged record (key '" + shown
                + "'): " + cause.getMessage() + ". Move the directory away to start empty, or restore a backup.",
                cause);
    }

    private void read(Client client, byte[] key, int prefixLength, byte[] value) {
        byte type = key[prefixLength];
        switch (type) {
            case Keys.SESSION -> client.session = Values.session(client.clientId, value);
            case Keys.SUBSCRIPTION -> client.subscriptions.put(Keys.textAfterType(key, prefixLength),
                    Values.subscription(value));
            case Keys.QUEUED -> {
                long sequence = Keys.suffixOf(key, prefixLength).readLong();
                if (Keys.isSent(key, prefixLength)) {
                    Values.Sent sent = Values.sent(value);
                    client.inflight.add(new InflightRecord(sent.packetId(),
                            new Values.Inflight(sent.state(), sequence), Form.SENT));
                } else {
                    client.queued.add(new QueuedDelivery(sequence, Values.delivery(value)));
                    int packetId = Values.sentPacketId(value);
                    if (packetId != 0) {
                        client.inflight.add(new InflightRecord(packetId,
                                new Values.Inflight(InflightState.AWAITING_PUBACK, sequence), Form.IN_VALUE));
                    }
                }
            }
            case Keys.INFLIGHT -> client.inflight.add(new InflightRecord(
                    Keys.suffixOf(key, prefixLength).readShort(), Values.inflight(value), Form.BY_ID));
            case Keys.INBOUND_QOS2 -> client.inbound.add(Keys.suffixOf(key, prefixLength).readShort());
            case Keys.MOVED_COPIES -> client.movedCopies = Values.movedCopies(value);
            default -> throw new IllegalStateException("unknown record type " + type);
        }
    }

    private void readRetained(byte[] key, byte[] value) throws RocksDBException {
        StoredMessage message = Values.message(value);
        if (message.isExpired(now)) {
            deletes.delete(key);
            droppedMessages++;
        } else {
            retained.add(message);
        }
    }

    /** The scan left a client's prefix: keep its session, or delete what expired or has no session. */
    private void finish(Client c) throws RocksDBException {
        if (c == null) {
            return;
        }
        if (c.session == null || c.session.expiresAtMillis(now) <= now) {
            if (c.session == null) {
                orphans += c.subscriptions.size() + c.queued.size() + c.inflight.size() + c.inbound.size()
                        + (c.movedCopies == null ? 0 : 1);
            } else {
                droppedSessions++;
            }
            // Its will, if any, stays: the broker publishes it now and then removes it.
            deletes.deleteRange(Keys.clientStart(c.clientId), Keys.clientEnd(c.clientId));
            return;
        }
        Map<Long, QueuedDelivery> bySequence = new HashMap<>();
        for (QueuedDelivery q : c.queued) {
            bySequence.put(q.sequence(), q);
        }
        long nextSequence = c.queued.isEmpty() ? 0 : c.queued.get(c.queued.size() - 1).sequence() + 1;
        List<InflightDelivery> inflight = new ArrayList<>(c.inflight.size());
        for (InflightRecord r : c.inflight) {
            long sequence = r.value().sequence();
            nextSequence = Math.max(nextSequence, sequence + 1);
            QueuedDelivery sent = bySequence.remove(sequence);
            if (r.value().state() == InflightState.AWAITING_PUBCOMP) {
                if (sent != null) {
                    // PUBREC removes the message along with this change; if it did not, it must not go out again.
                    deletes.delete(Keys.queued(c.clientId, sequence));
                    deletes.delete(Keys.sent(c.clientId, sequence));
                }
                inflight.add(new InflightDelivery(r.packetId(), sequence, r.value().state(), null));
            } else if (sent != null) {
                // Onward delivery started: an expired message is still completed (MQTT 5.0 section 3.3.2.3.3).
                inflight.add(new InflightDelivery(r.packetId(), sequence, r.value().state(), sent.delivery()));
            } else {
                // Acknowledged: a format 1 store's record under the packet identifier, which PUBACK left behind, or
                // a sent record whose removal a crash cut off. Not worth a warning.
                deletes.delete(r.key(c.clientId));
            }
        }
        inflight.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        List<QueuedDelivery> queued = new ArrayList<>(bySequence.size());
        for (QueuedDelivery q : c.queued) {
            if (!bySequence.containsKey(q.sequence())) {
                continue; // in flight
            }
            if (q.delivery().message().isExpired(now)) {
                deletes.delete(Keys.queued(c.clientId, q.sequence()));
                droppedMessages++;
            } else {
                queued.add(q);
            }
        }
        int[] inbound = c.inbound.stream().mapToInt(Integer::intValue).toArray();
        sessions.add(new RecoveredSession(c.session, c.session.expiresAtMillis(now),
                Collections.unmodifiableMap(c.subscriptions),
                List.copyOf(queued), List.copyOf(inflight), inbound, nextSequence, c.movedCopies));
    }
}
