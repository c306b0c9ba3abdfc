package io.midge.broker.persistence;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Values and shortcuts the persistence tests share. */
final class Samples {
    private Samples() {
    }

    static PersistenceOptions options() {
        return PersistenceOptions.defaults();
    }

    static RocksDbPersistence open(Path dir) {
        return RocksDbPersistence.open(dir, options());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static StoredMessage message(String topic, String payload) {
        return new StoredMessage(topic, 1, false, bytes(payload), MqttProperties.EMPTY, StoredMessage.NEVER, "pub");
    }

    /** A message with one property of every type a forwarded message may carry. */
    static StoredMessage richMessage() {
        MqttProperties props = MqttProperties.builder()
                .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .add(PropertyId.CONTENT_TYPE, "application/json")
                .add(PropertyId.RESPONSE_TOPIC, "reply/here")
                .add(PropertyId.CORRELATION_DATA, Binary.of(new byte[] {0, 1, 2, (byte) 0xFF}))
                .userProperty("k", "v1")
                .userProperty("k", "v2 ünïcödé")
                .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0xFFFF_FFFEL)
                .build();
        return new StoredMessage("home/kitchen/temp", 2, true, bytes("{\"t\":21.5}"), props, 1_900_000_000_000L,
                "sensor-7");
    }

    static StoredDelivery delivery(StoredMessage message) {
        return new StoredDelivery(message, message.qos(), false, new int[0], false);
    }

    static StoredSession session(String clientId) {
        return new StoredSession(clientId, 5, StoredSession.NEVER_EXPIRES, StoredSession.CONNECTED);
    }

    /** Waits for a write; a test never waits long. */
    static void await(CompletableFuture<Void> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("write did not complete", e);
        }
    }

    static void write(Persistence store, StoreBatch batch) {
        await(store.write(batch, null));
    }

    /** Closes the store, opens it again on the same directory and restores it. */
    static RecoveredState reopen(RocksDbPersistence[] holder, long nowMillis) {
        holder[0].close();
        holder[0] = open(holder[0].directory());
        return holder[0].recover(nowMillis);
    }
}
