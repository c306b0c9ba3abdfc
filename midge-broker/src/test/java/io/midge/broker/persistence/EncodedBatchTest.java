package io.midge.broker.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/** A batch's records are RocksDB's own WriteBatch format: byte for byte what RocksDB's WriteBatch builds. */
class EncodedBatchTest {

    @Test
    void recordsOfSeveralBatchesAreWhatRocksDbBuildsForTheSameChanges() throws Exception {
        RocksDB.loadLibrary();
        byte[] key = bytes("C\u0000\u0003abc\u0001");
        byte[] value = bytes("session record");
        byte[] gone = bytes("R/topic");
        byte[] from = bytes("C\u0000\u0001x");
        byte[] to = bytes("C\u0000\u0001x\u00ff");
        byte[] longKey = new byte[300]; // a length that takes two varint bytes
        Arrays.fill(longKey, (byte) 'k');
        byte[] longValue = new byte[70_000]; // and three
        Arrays.fill(longValue, (byte) 'v');

        EncodedBatch first = new EncodedBatch("a").add(EncodedBatch.Kind.PUT, key, value)
                .add(EncodedBatch.Kind.DELETE, gone, new byte[0]);
        EncodedBatch empty = new EncodedBatch("b");
        EncodedBatch second = new EncodedBatch("c").add(EncodedBatch.Kind.DELETE_RANGE, from, to)
                .add(EncodedBatch.Kind.PUT, longKey, longValue);
        EncodedBatch joined = new EncodedBatch("a");
        joined.addAll(first);
        joined.addAll(second);

        try (WriteBatch expected = new WriteBatch()) {
            expected.put(key, value);
            expected.delete(gone);
            expected.deleteRange(from, to);
            expected.put(longKey, longValue);
            assertThat(EncodedBatch.writeBatchOf(List.of(first, empty, second))).isEqualTo(expected.data());
            assertThat(EncodedBatch.writeBatchOf(List.of(joined))).isEqualTo(expected.data());
        }
        assertThat(joined.count()).isEqualTo(4);
        assertThat(empty.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("Queued deliveries, encoded in place, are what RocksDB's WriteBatch builds from their key and value "
            + "arrays: identifiers of one to five LEB128 bytes, several clients, a long and a non-ASCII identifier")
    void queuedInPlaceIsTheKeyAndValueOfTheArrays() throws Exception {
        RocksDB.loadLibrary();
        StoredMessage plain = Samples.message("a/b", "payload");
        StoredMessage rich = Samples.richMessage();
        String longId = "c".repeat(300);
        List<Object[]> entries = List.of(
                new Object[] {"dev-1", 0L, new StoredDelivery(plain, 1, false, new int[0], false)},
                new Object[] {"dev-1", 1L, new StoredDelivery(plain, 1, true, new int[] {1, 127, 128}, false)},
                new Object[] {"dev-2", 255L, new StoredDelivery(rich, 2, false, new int[] {16_383, 16_384}, true)},
                new Object[] {"dév-ü", Long.MAX_VALUE, new StoredDelivery(rich, 1, false,
                        new int[] {2_097_152, 268_435_455, Integer.MAX_VALUE}, false)},
                new Object[] {longId, 7L, new StoredDelivery(plain, 2, true, new int[] {5}, true)},
                new Object[] {"dev-1", 2L, new StoredDelivery(rich, 1, false, new int[0], false)});
        EncodedBatch batch = new EncodedBatch("p");
        try (WriteBatch expected = new WriteBatch()) {
            for (Object[] e : entries) {
                String client = (String) e[0];
                long sequence = (Long) e[1];
                StoredDelivery d = (StoredDelivery) e[2];
                batch.appendQueued(client, sequence, d);
                expected.put(Keys.queued(client, sequence), Values.delivery(d));
            }
            assertThat(EncodedBatch.writeBatchOf(List.of(batch))).isEqualTo(expected.data());
        }
        StoredDelivery back = Values.delivery(Values.delivery((StoredDelivery) entries.get(3)[2]));
        assertThat(back.subscriptionIds()).containsExactly(2_097_152, 268_435_455, Integer.MAX_VALUE);
    }

    @Test
    @DisplayName("MQTT-4.4.0-1: the writer copies each put as it was taken: left out when cancelled, with its packet "
            + "identifier in the value when sent, as encoded otherwise, also when the value's length grows a byte")
    void takenPutsAreCopiedAsDecided() throws Exception {
        RocksDB.loadLibrary();
        StoredDelivery plain = new StoredDelivery(Samples.message("a/b", "payload"), 1, false, new int[0], false);
        StoredDelivery edge = null; // a value of 127 bytes: with the identifier, its length takes two varint bytes
        for (int n = 0; edge == null; n++) {
            StoredDelivery d = new StoredDelivery(Samples.message("a/b", "x".repeat(n)), 1, false, new int[] {3}, false);
            if (Values.delivery(d).length == 127) {
                edge = d;
            }
        }
        EncodedBatch first = (EncodedBatch) new EncodedBatch("p").cancellableQueued();
        QueuedPut pending = first.appendCancellable("dev-1", 1, plain);
        QueuedPut sentEdge = first.appendCancellable("dev-1", 2, edge);
        QueuedPut cancelled = first.appendCancellable("dev-2", 3, plain);
        first.removeQueued("dev-3", 9);
        EncodedBatch second = (EncodedBatch) new EncodedBatch("q").cancellableQueued();
        QueuedPut sentLater = second.appendCancellable("dev-1", 4, plain);
        EncodedBatch joined = new EncodedBatch("q");
        joined.putSession(Samples.session("dev-4"));
        joined.addAll(second); // its put now sits behind the session record

        assertThat(sentEdge.sent(0x1234)).isTrue();
        assertThat(cancelled.cancel()).isTrue();
        assertThat(sentLater.sent(1)).isTrue();

        try (WriteBatch expected = new WriteBatch()) {
            expected.put(Keys.queued("dev-1", 1), Values.delivery(plain));
            expected.put(Keys.queued("dev-1", 2), withIdentifier(Values.delivery(edge), 0x1234));
            expected.delete(Keys.queued("dev-3", 9));
            expected.delete(Keys.sent("dev-3", 9));
            expected.put(Keys.session("dev-4"), Values.session(Samples.session("dev-4")));
            expected.put(Keys.queued("dev-1", 4), withIdentifier(Values.delivery(plain), 1));
            assertThat(EncodedBatch.writeBatchOf(List.of(first, joined))).isEqualTo(expected.data());
        }
        assertThat(first.cancelled()).isEqualTo(1);
        assertThat(pending.cancel()).as("taken by the writer").isFalse();
        byte[] edgeValue = withIdentifier(Values.delivery(edge), 0x1234);
        assertThat(Values.sentPacketId(edgeValue)).isEqualTo(0x1234);
        assertThat(Values.sentPacketId(Values.delivery(edge))).isZero();
        assertThat(Values.delivery(edgeValue)).isEqualTo(edge);
    }

    /** Format 3's sent delivery: the flags with bit 4 set, the packet identifier (big-endian), then the rest. */
    private static byte[] withIdentifier(byte[] value, int packetId) {
        byte[] out = new byte[value.length + 2];
        out[0] = (byte) (value[0] | 0x10);
        out[1] = (byte) (packetId >>> 8);
        out[2] = (byte) packetId;
        System.arraycopy(value, 1, out, 3, value.length - 1);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
