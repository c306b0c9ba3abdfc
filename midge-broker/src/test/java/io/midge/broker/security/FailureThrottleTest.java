package io.midge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FailureThrottle throttle = new FailureThrottle(5, Duration.ofMinutes(1), Duration.ofMillis(250),
            Duration.ofSeconds(8), now::get);
    private final InetSocketAddress attacker = new InetSocketAddress("192.0.2.7", 40000);

    @Test
    void afterFiveFailuresTheDelayDoublesUpToTheMaximum() {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            delays.add(Duration.ofNanos(throttle.delayNanos(attacker)).toMillis());
            throttle.recordFailure(attacker);
            now.addAndGet(Duration.ofSeconds(1).toNanos());
        }

        assertThat(delays).containsExactly(0L, 0L, 0L, 0L, 0L, 250L, 500L, 1000L, 2000L, 4000L, 8000L, 8000L);
    }

    @Test
    void theAddressIsForgottenAfterAQuietMinute() {
        for (int i = 0; i < 6; i++) {
            throttle.recordFailure(attacker);
        }
        assertThat(throttle.delayNanos(attacker)).isEqualTo(Duration.ofMillis(500).toNanos());

        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(throttle.failures(attacker)).isEqualTo(6);
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(throttle.delayNanos(attacker)).isZero();
        assertThat(throttle.failures(attacker)).isZero();
        throttle.recordFailure(attacker);
        assertThat(throttle.failures(attacker)).as("a new streak starts").isEqualTo(1);
    }

    @Test
    void failuresCountPerIpAddressWhateverThePort() {
        for (int port = 50000; port < 50005; port++) {
            throttle.recordFailure(new InetSocketAddress("192.0.2.7", port));
        }

        assertThat(throttle.delayNanos(new InetSocketAddress("192.0.2.7", 61000))).isPositive();
        assertThat(throttle.delayNanos(new InetSocketAddress("192.0.2.8", 50000))).isZero();
    }

    @Test
    void unknownAddressIsNeverSlowedDown() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure(null);
        }

        assertThat(throttle.delayNanos(null)).isZero();
    }
}
