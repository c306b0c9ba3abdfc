package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.delivery;
import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static io.midge.broker.persistence.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Formats 2 and 3: that a QoS 1 or 2 delivery was sent, and under which packet identifier, is a record right behind
 * its queued delivery, or (format 3, a QoS 1 delivery sent before its put was written) in the queued delivery's value,
 * so that acknowledging a run of deliveries removes their sent records in the same range, and a version 1 store (sent
 * records keyed by packet identifier) still comes back whole.
 */
class SentRecordsTest {
    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;
    private final RocksDbPersistence[] store = new RocksDbPersistence[1];

    @BeforeEach
    void open() {
        store[0] = Samples.open(dir);
        store[0].recover(T0);
    }

    @AfterEach
    void close() {
        store[0].close();
    }

    private StoreBatch batch() {
        return store[0].batch("c");
    }

    /** The store's keys of client "c", read with RocksDB itself after the store is closed. */
    private List<byte[]> clientKeys() throws RocksDBException {
        store[0].close();
        List<byte[]> keys = new ArrayList<>();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString());
             RocksIterator it = db.newIterator()) {
            byte[] start = Keys.clientStart("c");
            for (it.seek(start); it.isValid() && Arrays.compareUnsigned(it.key(), Keys.clientEnd("c")) < 0; it.next()) {
                keys.add(it.key());
            }
        }
        store[0] = Samples.open(dir);
        return keys;
    }

    @Test
    @DisplayName("MQTT-4.4.0-1: a sent QoS 1 delivery's packet identifier is kept right behind its queued delivery, "
            + "not under the packet identifier, and comes back with it")
    void aSentRecordSitsBehindItsQueuedDelivery() throws RocksDBException {
        StoredDelivery d7 = delivery(message("a/7", "seven"));
        StoredDelivery d8 = delivery(message("a/8", "eight"));
        write(store[0], batch().putSession(session("c")).appendQueued("c", 7, d7).appendQueued("c", 8, d8));
        write(store[0], batch().putInflight("c", 100, 7, InflightState.AWAITING_PUBACK));

        assertThat(clientKeys()).containsExactly(Keys.session("c"), Keys.queued("c", 7), Keys.sent("c", 7),
                Keys.queued("c", 8));

        RecoveredSession r = store[0].recover(T0).sessions().get(0);
        assertThat(r.inflight()).containsExactly(new InflightDelivery(100, 7, InflightState.AWAITING_PUBACK, d7));
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(8L);
    }

    @Test
    @DisplayName("MQTT-4.4.0-1: a QoS 1 delivery sent before the writer took its put is written with the packet "
            + "identifier in its value, without a sent record, and comes back in flight under it")
    void anIdentifierSentBeforeTheWriteGoesInTheValue() throws RocksDBException {
        StoredDelivery d7 = delivery(message("a/7", "seven"));
        StoredDelivery d8 = delivery(message("a/8", "eight"));
        write(store[0], batch().putSession(session("c")));
        StoreBatch published = store[0].batch("p").cancellableQueued();
        QueuedPut sent = published.appendCancellable("c", 7, d7);
        published.appendCancellable("c", 8, d8);
        assertThat(sent.sent(0xBEEF)).isTrue();
        write(store[0], published);
        assertThat(sent.sent(1)).as("taken: a later send writes its own record").isFalse();

        assertThat(clientKeys()).containsExactly(Keys.session("c"), Keys.queued("c", 7), Keys.queued("c", 8));
        RecoveredSession r = store[0].recover(T0).sessions().get(0);
        assertThat(r.inflight()).containsExactly(new InflightDelivery(0xBEEF, 7, InflightState.AWAITING_PUBACK, d7));
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(8L);
    }

    @Test
    @DisplayName("MQTT-4.3.2-5: acknowledging a run of deliveries removes their sent records in the same range")
    void acknowledgingARunTakesItsSentRecordsAlong() throws RocksDBException {
        StoreBatch b = batch().putSession(session("c"));
        for (int seq = 1; seq <= 5; seq++) {
            b.appendQueued("c", seq, delivery(message("a/" + seq, "m"))).putInflight("c", 40 + seq, seq,
                    InflightState.AWAITING_PUBACK);
        }
        write(store[0], b);
        write(store[0], batch().removeQueued("c", 1, 4).removeQueued("c", 5));

        assertThat(clientKeys()).containsExactly(Keys.session("c"));
        RecoveredSession r = store[0].recover(T0).sessions().get(0);
        assertThat(r.inflight()).isEmpty();
        assertThat(r.queued()).isEmpty();
    }

    @Test
    @DisplayName("MQTT-4.3.3-10: a QoS 2 delivery awaiting PUBREC has a sent record; after PUBREC only its packet "
            + "identifier is kept, under the identifier")
    void qos2KeepsItsIdentifierOnceTheQueuedDeliveryIsGone() throws RocksDBException {
        write(store[0], batch().putSession(session("c")).appendQueued("c", 3, delivery(message("a", "x")))
                .putInflight("c", 9, 3, InflightState.AWAITING_PUBREC));
        assertThat(clientKeys()).containsExactly(Keys.session("c"), Keys.queued("c", 3), Keys.sent("c", 3));

        write(store[0], batch().putInflight("c", 9, 3, InflightState.AWAITING_PUBCOMP).removeQueued("c", 3));

        assertThat(clientKeys()).containsExactly(Keys.session("c"), Keys.inflight("c", 9));
        assertThat(store[0].recover(T0).sessions().get(0).inflight())
                .containsExactly(new InflightDelivery(9, 3, InflightState.AWAITING_PUBCOMP, null));
    }

    @Test
    void aSentRecordWithoutItsDeliveryIsDroppedAtStart() throws RocksDBException {
        write(store[0], batch().putSession(session("c")));
        store[0].close();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put(Keys.sent("c", 12), Values.sent(InflightState.AWAITING_PUBACK, 5));
        }
        store[0] = Samples.open(dir);

        assertThat(store[0].recover(T0).sessions().get(0).inflight()).isEmpty();
        assertThat(clientKeys()).containsExactly(Keys.session("c"));
    }

    @Test
    @DisplayName("MQTT-4.4.0-1: a version 1 store's in-flight records, keyed by packet identifier, come back with "
            + "their identifiers, and the store is marked with the current version before anything is written to it")
    void aVersionOneStoreComesBackAndIsMarkedCurrent() throws RocksDBException {
        StoredDelivery d7 = delivery(message("a/7", "seven"));
        write(store[0], batch().putSession(session("c")).appendQueued("c", 7, d7)
                .appendQueued("c", 8, delivery(message("a/8", "eight"))));
        store[0].close();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put(Keys.FORMAT, Values.formatVersion(1));
            db.put(Keys.inflight("c", 100), Values.inflight(InflightState.AWAITING_PUBACK, 7));
            db.put(Keys.inflight("c", 101), Values.inflight(InflightState.AWAITING_PUBACK, 6)); // acknowledged
        }
        store[0] = Samples.open(dir);

        RecoveredSession r = store[0].recover(T0).sessions().get(0);
        assertThat(r.inflight()).containsExactly(new InflightDelivery(100, 7, InflightState.AWAITING_PUBACK, d7));
        assertThat(r.queued()).extracting(QueuedDelivery::sequence).containsExactly(8L);
        assertThat(clientKeys()).containsExactly(Keys.session("c"), Keys.queued("c", 7), Keys.queued("c", 8),
                Keys.inflight("c", 100));
        store[0].close();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString())) {
            assertThat(Values.formatVersion(db.get(Keys.FORMAT))).isEqualTo(StoreDirectory.FORMAT_VERSION);
        }
        store[0] = Samples.open(dir);
    }

    @Test
    @DisplayName("The memtable searches each insert from where the previous one of its key area went")
    void theStoreOpensWithTheMemtableInsertHint() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Path options = files.filter(f -> f.getFileName().toString().startsWith("OPTIONS-")).findFirst()
                    .orElseThrow();
            assertThat(Files.readAllLines(options))
                    .contains("  memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.1");
        }
    }
}
