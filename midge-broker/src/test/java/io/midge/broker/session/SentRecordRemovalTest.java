package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.PersistenceOptions;
import io.midge.broker.persistence.QueuedPut;
import io.midge.broker.persistence.RocksDbPersistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.routing.Delivery;
import io.midge.codec.property.MqttProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * A QoS 1 delivery sent before its publish was durable: when the PUBACK comes after the record that it was sent went
 * to the store but before the writer took the publisher's batch, the put is cancelled (never written), and the
 * removal is written all the same so that the sent record does not stay behind in the store.
 */
class SentRecordRemovalTest {
    private static final String CLIENT = "client";

    @TempDir
    Path dir;

    @Test
    @DisplayName("MQTT-4.3.2-5: a PUBACK that cancels its put after the sent record was written removes that record")
    void aCancelledPutStillRemovesItsWrittenSentRecord() throws Exception {
        RocksDbPersistence store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        try (TestSessions sessions = new TestSessions()) {
            store.recover();
            store.write(store.batch(CLIENT).putSession(new StoredSession(CLIENT, 5, StoredSession.NEVER_EXPIRES,
                    StoredSession.CONNECTED)), null).get(10, TimeUnit.SECONDS);
            Session session = sessions.session(BrokerConfig.defaults(), store);
            session.setStored(true); // as SessionStore marks it once the record above is written
            FakeConnection connection = new FakeConnection();
            session.attach(connection);

            // The publisher's batch stays with its loop (never handed to the writer): its put is pending.
            StoreBatch published = store.batch("publisher").cancellableQueued();
            long sequence = session.reserveSequence();
            StoredMessage message = new StoredMessage("t", 1, false, "m".getBytes(StandardCharsets.UTF_8),
                    MqttProperties.EMPTY, StoredMessage.NEVER, "publisher");
            QueuedPut put = published.appendCancellable(CLIENT, sequence,
                    new StoredDelivery(message, 1, false, new int[0], false));
            Delivery delivery = TestSessions.delivery("m", 1).storedAs(sequence, put);

            session.offer(delivery);
            long before = store.stats().commits();
            sessions.run(); // the send, then the flush of its record
            assertThat(connection.published).extracting(FakeConnection.Sent::packetId).containsExactly(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().commits() > before);
            assertThat(sentRecords(store)).as("the sent record is in the store").hasSize(1);
            sessions.run(); // the record's write completes on the session's loop

            long written = store.stats().commits();
            assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.ACCEPTED);
            sessions.run();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.stats().commits() > written);
            sessions.run();

            assertThat(put.cancel()).as("the PUBACK cancelled the put already").isFalse();
            assertThat(sentRecords(store)).as("removed with the queued delivery's range").isEmpty();
        } finally {
            store.close();
        }
    }

    /** The keys of the client's queue area ('C', length, identifier, 0x03, ...) with a sent record's length. */
    private List<byte[]> sentRecords(RocksDbPersistence store) throws Exception {
        byte[] id = CLIENT.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[3 + id.length + 1];
        prefix[0] = 'C';
        prefix[2] = (byte) id.length;
        System.arraycopy(id, 0, prefix, 3, id.length);
        prefix[prefix.length - 1] = 0x03;
        List<byte[]> sent = new ArrayList<>();
        try (Options o = new Options(); RocksDB db = RocksDB.openReadOnly(o, dir.toString());
             RocksIterator it = db.newIterator()) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                if (it.key().length == prefix.length + 8 + 1) {
                    sent.add(it.key());
                }
            }
        }
        return sent;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
