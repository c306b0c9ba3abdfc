package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.PersistenceOptions;
import io.midge.broker.persistence.QueuedPut;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.RocksDbPersistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.routing.Delivery;
import io.midge.codec.property.MqttProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * A QoS 1 delivery sent before its publish is durable (its put still pending in the publisher's batch) leaves its
 * packet identifier with the put: the writer stores it in the queued delivery's value, and the session writes no
 * sent record of its own. After a restart the delivery is in flight under that identifier; acknowledged before the
 * writer took the put, neither is ever written.
 */
class SentWithPutTest {
    private static final String CLIENT = "client";

    @TempDir
    Path dir;
    private RocksDbPersistence store;
    private TestSessions sessions;
    private Session session;
    private FakeConnection connection;
    private StoreBatch published;
    private QueuedPut put;

    @BeforeEach
    void sendBeforeThePublishIsDurable() throws Exception {
        store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        store.recover();
        store.write(store.batch(CLIENT).putSession(new StoredSession(CLIENT, 5, StoredSession.NEVER_EXPIRES,
                StoredSession.CONNECTED)), null).get(10, TimeUnit.SECONDS);
        sessions = new TestSessions();
        session = sessions.session(BrokerConfig.defaults(), store);
        session.setStored(true); // as SessionStore marks it once the record above is written
        connection = new FakeConnection();
        session.attach(connection);

        // The publisher's batch stays with its loop until the test hands it to the writer: its put is pending.
        published = store.batch("publisher").cancellableQueued();
        long sequence = session.reserveSequence();
        StoredMessage message = new StoredMessage("t", 1, false, "m".getBytes(StandardCharsets.UTF_8),
                MqttProperties.EMPTY, StoredMessage.NEVER, "publisher");
        put = published.appendCancellable(CLIENT, sequence, new StoredDelivery(message, 1, false, new int[0], false));
        session.offer(TestSessions.delivery("m", 1).storedAs(sequence, put));
        sessions.run();
        assertThat(connection.published).extracting(FakeConnection.Sent::packetId).containsExactly(1);
    }

    @AfterEach
    void close() {
        sessions.close();
        store.close();
    }

    @Test
    @DisplayName("MQTT-4.4.0-1: a QoS 1 delivery sent before its put was written comes back after a restart in flight "
            + "under the packet identifier it was sent with, kept in its queued value")
    void theIdentifierGoesWithThePut() throws Exception {
        sessions.run(); // a sent record of its own would be handed to the writer now, before the publisher's batch
        store.write(published, null).get(10, TimeUnit.SECONDS);
        store.close();
        assertThat(queueKeyLengths()).as("the queued delivery only, no sent record behind it")
                .containsExactly(queuedKeyLength());

        RecoveredSession back = reopened();
        assertThat(back.queued()).isEmpty();
        assertThat(back.inflight()).singleElement().satisfies(d -> {
            assertThat(d.packetId()).isEqualTo(1);
            assertThat(d.state()).isEqualTo(InflightState.AWAITING_PUBACK);
            assertThat(new String(d.delivery().message().payload(), StandardCharsets.UTF_8)).isEqualTo("m");
        });
    }

    @Test
    @DisplayName("MQTT-4.3.2-5: a PUBACK before the writer took the put cancels it, and with it the record that it was "
            + "sent: nothing of the delivery is written")
    void aPubAckBeforeTheWriteLeavesNothing() throws Exception {
        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.ACCEPTED);
        sessions.run();
        long cancelled = store.stats().cancelledQueued();
        store.write(published, null).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().cancelledQueued()).isEqualTo(cancelled + 1);

        RecoveredSession back = reopened();
        assertThat(back.queued()).isEmpty();
        assertThat(back.inflight()).extracting(InflightDelivery::packetId).isEmpty();
    }

    /** The lengths of the keys in the client's queue area ('C', length, identifier, 0x03, ...), in key order. */
    private List<Integer> queueKeyLengths() throws Exception {
        byte[] prefix = queuePrefix();
        List<Integer> lengths = new ArrayList<>();
        try (Options o = new Options(); RocksDB db = RocksDB.openReadOnly(o, dir.toString());
             RocksIterator it = db.newIterator()) {
            for (it.seek(prefix); it.isValid() && it.key().length >= prefix.length
                    && Arrays.equals(it.key(), 0, prefix.length, prefix, 0, prefix.length); it.next()) {
                lengths.add(it.key().length);
            }
        }
        return lengths;
    }

    private static byte[] queuePrefix() {
        byte[] id = CLIENT.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[3 + id.length + 1];
        prefix[0] = 'C';
        prefix[2] = (byte) id.length;
        System.arraycopy(id, 0, prefix, 3, id.length);
        prefix[prefix.length - 1] = 0x03;
        return prefix;
    }

    /** A queued delivery's key: the prefix and the sequence (8 bytes); a sent record's has one byte more. */
    private static int queuedKeyLength() {
        return queuePrefix().length + 8;
    }

    /** The store opened again (closed first if open): what it gives back of the client's session. */
    private RecoveredSession reopened() {
        store.close();
        store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        List<RecoveredSession> recovered = store.recover().sessions();
        return recovered.stream().filter(s -> s.session().clientId().equals(CLIENT)).findFirst().orElseThrow();
    }
}
