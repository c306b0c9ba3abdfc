package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.persistence.PersistenceOptions;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.RocksDbPersistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredSession;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publish path hands each stored delivery the handle of its queue entry's put (a QoS 1 publish delivered before
 * it is durable), and a delivery done with before the writer took its batch (acknowledged, or refused by its
 * session) cancels the put with it: neither the entry nor a removal reaches the store. Real store, restarted.
 */
class CancellablePutTest {
    @TempDir
    Path dir;

    private RocksDbPersistence store;
    private Router router;

    private final StoredSubscriber sub = new StoredSubscriber("sub");

    private void open() throws Exception {
        store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        store.recover();
        router = new Router(store);
        store.write(store.batch("sub").putSession(new StoredSession("sub", 5, StoredSession.NEVER_EXPIRES,
                StoredSession.CONNECTED)), null).get(10, TimeUnit.SECONDS);
        router.topicTree().subscribe(sub, "t", SubscriptionOptions.of(1));
    }

    @AfterEach
    void close() {
        sub.release();
        if (store != null) {
            store.close();
        }
    }

    /** Routes a QoS 1 message as the early-delivery path does, and returns the batch, not written yet. */
    private StoreBatch publish(String text, boolean cancellable) {
        Message m = new Message("t", 1, false, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, "pub");
        StoreBatch batch = store.batch("pub");
        router.offer(router.route(m, cancellable ? batch.cancellableQueued() : batch));
        return batch;
    }

    private List<Long> queuedAfterRestart() {
        store.close();
        store = RocksDbPersistence.open(dir, PersistenceOptions.defaults());
        RecoveredSession s = store.recover().sessions().stream().filter(r -> r.clientId().equals("sub"))
                .findFirst().orElseThrow();
        return s.queued().stream().map(QueuedDelivery::sequence).toList();
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: a delivery acknowledged before its batch was taken cancels its put through the handle "
            + "it carries; one acknowledged after cannot, and stays to be removed")
    void acknowledgedBeforeTheWriteCancelsThePut() throws Exception {
        open();
        StoreBatch first = publish("one", true);
        StoreBatch second = publish("two", true);
        assertThat(sub.got).extracting(d -> d.put() != null).containsExactly(true, true);
        assertThat(sub.got.get(0).cancelPut()).as("not taken yet: cancelled").isTrue();
        store.write(first, null).get(10, TimeUnit.SECONDS);
        store.write(second, null).get(10, TimeUnit.SECONDS);
        assertThat(sub.got.get(1).cancelPut()).as("written: removed as usual").isFalse();
        assertThat(store.stats().cancelledQueued()).isEqualTo(1);
        assertThat(queuedAfterRestart()).containsExactly(2L);
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: a delivery its session refuses (queue full) cancels its put, so the refusal writes no "
            + "removal that could land before the put")
    void refusedDeliveryCancelsThePut() throws Exception {
        open();
        sub.refuses = true;
        StoreBatch batch = publish("refused", true);
        store.write(batch, null).get(10, TimeUnit.SECONDS);
        assertThat(store.stats().cancelledQueued()).isEqualTo(1);
        assertThat(queuedAfterRestart()).isEmpty();
    }

    @Test
    @DisplayName("A batch that is not cancellable (a publish delivered only once durable) gives no handle")
    void notCancellable() throws Exception {
        open();
        StoreBatch batch = publish("durable first", false);
        assertThat(sub.got).singleElement().satisfies(d -> {
            assertThat(d.put()).isNull();
            assertThat(d.cancelPut()).isFalse();
        });
        store.write(batch, null).get(10, TimeUnit.SECONDS);
        assertThat(queuedAfterRestart()).containsExactly(1L);
    }
}
