package io.midge.broker.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
