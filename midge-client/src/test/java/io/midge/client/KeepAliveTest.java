package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An idle client keeps its connection with PINGREQ: Midge closes a connection silent for 1.5 keep-alives. */
class KeepAliveTest {
    @Test
    void anIdleClientStaysConnectedAcrossSeveralKeepAlivePeriods() {
        AtomicInteger losses = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient client = MidgeClient.builder().port(broker.port()).keepAlive(1)
                     .reconnect(ReconnectPolicy.none()).build()) {
            client.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            assertThat(client.connect().join().keepAlive()).isEqualTo(1);
            await().during(Duration.ofMillis(3500)).atMost(Duration.ofSeconds(5)).until(client::isConnected);
            assertThat(losses).hasValue(0);
        }
    }

    /**
     * A client that only receives QoS 0 messages writes nothing back; it must still send PINGREQ, as what it reads
     * tells the broker nothing about it.
     */
    @Test
    void aClientThatOnlyReceivesQos0MessagesStaysConnected() throws InterruptedException {
        AtomicInteger losses = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient listener = MidgeClient.builder().port(broker.port()).keepAlive(1)
                     .reconnect(ReconnectPolicy.none()).onMessage(m -> received.incrementAndGet()).build();
             MidgeClient talker = MidgeClient.builder().port(broker.port()).build()) {
            listener.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            listener.connect().join();
            listener.subscribe("chatter", 0).join();
            talker.connect().join();
            long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
            while (System.nanoTime() < end) {
                talker.publish(OutgoingMessage.of("chatter", "x", 0)).join();
                Thread.sleep(100);
            }
            assertThat(received.get()).isGreaterThan(10);
            assertThat(listener.isConnected()).isTrue();
            assertThat(losses).hasValue(0);
        }
    }
}
