package io.midge.broker.connection;

import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PingResp;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.midge.broker.testing.Threads;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keep-alive with several connections on one event loop, which keeps their deadlines in one list per keep-alive
 * period (KeepAlives): each silent client is closed after one and a half of its own keep-alive, never before, in
 * whatever order they connected, and a client that pings stays.
 */
class KeepAliveLoopTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(IO_THREADS, 1));

    private static Connect connect(String id, int keepAlive) {
        return new Connect(MqttVersion.MQTT_3_1_1, id, true, keepAlive, null, null, null, MqttProperties.EMPTY);
    }

    @Test
    @DisplayName("MQTT-3.1.2-24: on one loop, silent clients with keep-alive 2 s and 1 s are closed no sooner than "
            + "3 s and 1.5 s after their CONNECT; a client with keep-alive 1 s that pings every 500 ms stays")
    void eachOnItsOwnDeadline() throws Exception {
        try (RawClient slow = new RawClient(broker.port()); RawClient fast = new RawClient(broker.port());
             RawClient pinging = new RawClient(broker.port())) {
            long slowStart = System.nanoTime();
            slow.connect(connect("loop-slow", 2)); // first in, last out
            long fastStart = System.nanoTime();
            fast.connect(connect("loop-fast", 1));
            pinging.connect(connect("loop-pinging", 1));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> pingFailure = new AtomicReference<>();
            Thread pinger = Threads.startDaemon(() -> {
                try {
                    while (!stop.get()) {
                        pinging.sendHex("C0 00");
                        assertThat(pinging.receive()).isInstanceOf(PingResp.class);
                        Thread.sleep(500); // pacing the pings, not waiting for a condition
                    }
                } catch (Throwable e) {
                    pingFailure.set(e);
                }
            });
            try {
                // A close seen at t means the broker closed at t or before: these bounds cannot fail by lateness.
                assertThat(fast.awaitClose(Duration.ofSeconds(5))).isEmpty();
                assertThat(Duration.ofNanos(System.nanoTime() - fastStart))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
                assertThat(slow.awaitClose(Duration.ofSeconds(6))).isEmpty();
                assertThat(Duration.ofNanos(System.nanoTime() - slowStart))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(3000));
            } finally {
                stop.set(true);
                pinger.join();
            }
            assertThat(pingFailure.get()).isNull();
            pinging.sendHex("C0 00");
            assertThat(pinging.receive()).isInstanceOf(PingResp.class);
        }
    }
}
