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
}
