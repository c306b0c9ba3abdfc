package io.midge.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** TokenBucket and AddressRateLimiter on a clock the test moves by hand. */
class RateBucketsTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aBucketLetsOneSecondsWorthThroughAtOnceThenRefillsAtItsRate() {
        TokenBucket bucket = new TokenBucket(5, 0);
        for (int i = 0; i < 5; i++) {
            assertThat(bucket.tryTake(0)).isTrue();
        }
        assertThat(bucket.tryTake(0)).isFalse();
        assertThat(bucket.tryTake(SECOND / 5 - 1)).isFalse();
        assertThat(bucket.tryTake(SECOND / 5)).isTrue();
        assertThat(bucket.isFull(SECOND / 5)).isFalse();
        assertThat(bucket.isFull(SECOND / 5 + SECOND)).isTrue();
    }

    @Test
    void anOverdrawnBucketSaysHowLongUntilItsDebtIsRepaid() {
        TokenBucket bucket = new TokenBucket(1000, 0);
        assertThat(bucket.spend(1000, 0)).isZero();
        assertThat(bucket.spend(500, 0)).isEqualTo(SECOND / 2);
        assertThat(bucket.debtNanos(SECOND / 4)).isEqualTo(SECOND / 4);
        assertThat(bucket.debtNanos(SECOND / 2)).isZero();
        // Time going backwards (another thread's older timestamp) neither refills nor drains.
        assertThat(bucket.debtNanos(0)).isZero();
        assertThat(bucket.isFull(SECOND / 2 + SECOND - 1)).isFalse();
        assertThat(bucket.isFull(SECOND / 2 + SECOND)).isTrue();
        // A long pause refills it to one second's worth, no more.
        assertThat(bucket.spend(1000, Long.MAX_VALUE / 2)).isZero();
        assertThat(bucket.tryTake(Long.MAX_VALUE / 2)).isFalse();
    }

    @Test
    void eachAddressHasItsOwnRate() throws Exception {
        AddressRateLimiter limiter = new AddressRateLimiter(2, 0);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        assertThat(limiter.admit(a, 0)).isTrue();
        assertThat(limiter.admit(a, 0)).isTrue();
        assertThat(limiter.admit(a, 0)).isFalse();
        assertThat(limiter.admit(b, 0)).isTrue();
        assertThat(limiter.admit(a, SECOND / 2)).isTrue();
    }

    @Test
    void addressesIdleForASecondAreForgottenSoMemoryStaysBounded() throws Exception {
        AddressRateLimiter limiter = new AddressRateLimiter(10, 0);
        for (int i = 0; i < 1000; i++) {
            limiter.admit(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), 0);
        }
        assertThat(limiter.size()).isEqualTo(1000);
        InetAddress busy = InetAddress.getByName("192.0.2.7");
        for (long t = 0; t <= 3 * SECOND; t += SECOND / 10) {
            limiter.admit(busy, t);
        }
        // The thousand idle addresses were swept; only the busy one is left.
        assertThat(limiter.size()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.admit(InetAddress.getByName("192.0.2.8"), 3 * SECOND)).isTrue();
        }
        assertThat(limiter.admit(InetAddress.getByName("192.0.2.8"), 3 * SECOND)).isFalse();
    }
}
