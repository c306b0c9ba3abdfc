package io.midge.broker.limits;

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
            long delay = throttle.reserveNanos(attacker);
            delays.add(Duration.ofNanos(delay).toMillis());
            now.addAndGet(delay); // the attempt runs when booked, fails, and the next one follows
            throttle.recordFailure(attacker);
            now.addAndGet(Duration.ofMillis(100).toNanos());
        }

        assertThat(delays).containsExactly(0L, 0L, 0L, 0L, 0L, 250L, 500L, 1000L, 2000L, 4000L, 8000L, 8000L);
    }

    @Test
    void theAddressIsForgottenAfterAQuietMinute() {
        for (int i = 0; i < 6; i++) {
            throttle.recordFailure(attacker);
        }
        assertThat(throttle.reserveNanos(attacker)).isEqualTo(Duration.ofMillis(500).toNanos());

        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(throttle.failures(attacker)).isEqualTo(6);
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(throttle.reserveNanos(attacker)).isZero();
        assertThat(throttle.failures(attacker)).isZero();
        throttle.recordFailure(attacker);
        assertThat(throttle.failures(attacker)).as("a new streak starts").isEqualTo(1);
    }

    @Test
    void failuresCountPerIpAddressWhateverThePort() {
        for (int port = 50000; port < 50005; port++) {
            throttle.recordFailure(new InetSocketAddress("192.0.2.7", port));
        }

        assertThat(throttle.reserveNanos(new InetSocketAddress("192.0.2.7", 61000))).isPositive();
        assertThat(throttle.reserveNanos(new InetSocketAddress("192.0.2.8", 50000))).isZero();
    }

    @Test
    void unknownAddressIsNeverSlowedDown() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure(null);
        }

        assertThat(throttle.reserveNanos(null)).isZero();
    }

    @Test
    void attemptsOfASlowedAddressMadeAtOnceAreSpacedOut() {
        for (int i = 0; i < 5; i++) {
            throttle.recordFailure(attacker);
        }

        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            delays.add(Duration.ofNanos(throttle.reserveNanos(attacker)).toMillis());
        }

        assertThat(delays).containsExactly(250L, 500L, 750L, 1000L);
    }

    @Test
    void addressBookedMoreThanAWindowAheadIsTurnedAway() {
        for (int i = 0; i < 11; i++) {
            throttle.recordFailure(attacker);
        }

        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            delays.add(throttle.reserveNanos(attacker));
        }

        assertThat(delays).map(d -> d < 0 ? -1 : Duration.ofNanos(d).toSeconds())
                .containsExactly(8L, 16L, 24L, 32L, 40L, 48L, 56L, -1L, -1L);
        assertThat(delays.get(7)).isEqualTo(FailureThrottle.BUSY);
    }
}
