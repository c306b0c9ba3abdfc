package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
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

    /**
     * The other way round: a client that publishes at QoS 0 all the time writes, so the "nothing written" rule never
     * sends PINGREQ, and it reads nothing back. It must ping anyway rather than give up the connection after 1.5
     * keep-alives of silence (found by the soak benchmark: its QoS 0 publishers reconnected every 90 s).
     */
    @Test
    @DisplayName("A client that only publishes at QoS 0 pings too and stays connected (MQTT 5.0 3.1.2.10, 3.12: "
            + "a client may send PINGREQ at any time and expects PINGRESP)")
    void aClientThatOnlyPublishesQos0StaysConnected() throws InterruptedException {
        AtomicInteger losses = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient talker = MidgeClient.builder().port(broker.port()).keepAlive(1)
                     .reconnect(ReconnectPolicy.none()).build()) {
            talker.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            talker.connect().join();
            long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
            while (System.nanoTime() < end && talker.isConnected()) {
                talker.publish(OutgoingMessage.of("chatter", "x", 0)).orTimeout(5, TimeUnit.SECONDS).join();
                Thread.sleep(100); // the pace of the publisher, not a wait for a condition
            }
            assertThat(talker.isConnected()).isTrue();
            assertThat(losses).hasValue(0);
        }
    }
}
