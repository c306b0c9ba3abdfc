package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.OVERLOAD_DROP_QOS0;
import static io.midge.broker.config.ConfigKeys.OVERLOAD_PAUSE_PUBLISHERS;
import static io.midge.broker.config.ConfigKeys.OVERLOAD_REFUSE_PUBLISHES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The overload policy's watermarks: which measures hold at which memory figure, and what the gauge reads. */
class OverloadTest {

    private static Overload overload(int drop, int pause, int refuse) {
        return new Overload(BrokerConfig.builder().set(OVERLOAD_DROP_QOS0, drop).set(OVERLOAD_PAUSE_PUBLISHERS, pause)
                .set(OVERLOAD_REFUSE_PUBLISHES, refuse).build().limits());
    }

    @Test
    @DisplayName("The default watermarks: QoS 0 dropped from 70 %, publishers paused from 80 %, 5.0 QoS 1/2 refused "
            + "from 90 %")
    void defaults() {
        Overload o = new Overload(BrokerConfig.defaults().limits());
        o.update(69);
        assertThat(o.measures()).isZero();
        o.update(70);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0);
        o.update(80);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS);
        o.update(90);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS
                | Overload.REFUSE_PUBLISHES);
        assertThat(o.percent()).isEqualTo(90);
    }

    @Test
    @DisplayName("Each measure ends 5 points below its own watermark, so that memory at the edge does not flap")
    void eachMeasureEndsBelowItsWatermark() {
        Overload o = overload(70, 80, 90);
        o.update(95);
        o.update(86);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS
                | Overload.REFUSE_PUBLISHES);
        o.update(85);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS);
        o.update(76);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS);
        o.update(75);
        assertThat(o.measures()).isEqualTo(Overload.DROP_QOS0);
        o.update(65);
        assertThat(o.measures()).isZero();
        o.update(68);
        assertThat(o.measures()).as("rising again: only from the watermark").isZero();
    }

    @Test
    @DisplayName("A watermark of 100 turns its measure off; the measures need not be nested")
    void hundredIsOff() {
        Overload o = overload(100, 60, 100);
        o.update(100);
        assertThat(o.measures()).isEqualTo(Overload.PAUSE_PUBLISHERS);
        assertThat(Overload.describe(o.measures())).isEqualTo("pausing publishers");
    }

    @Test
    @DisplayName("overload-refuse-publishes below overload-drop-qos0 stops the start with both keys named: QoS 0 "
            + "goes before QoS 1/2 is refused")
    void refusingBeforeDroppingQos0IsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "overload-drop-qos0: 80\n"
                + "overload-refuse-publishes: 75\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'overload-refuse-publishes' (75) must not be below 'overload-drop-qos0' (80)");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "overload-pause-publishers: 0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("midge.yaml:1").hasMessageContaining("must be between 1 and 100, not 0");
    }

    @Test
    @DisplayName("The gauge reads the heap after each garbage collection (from the JVM's notifications) and the "
            + "direct memory in use, each of its maximum")
    void gaugeReadsTheHeapAfterCollection() {
        try (MemoryGauge gauge = new MemoryGauge()) {
            assertThat(gauge.heapMax()).isEqualTo(Runtime.getRuntime().maxMemory());
            assertThat(gauge.directMax()).isPositive();
            assertThat(gauge.directUsed()).isGreaterThanOrEqualTo(0);
            long before = gauge.lastGcNanos();
            System.gc();
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge.lastGcNanos() != before);
            assertThat(gauge.heapAfterGc()).isPositive().isLessThan(gauge.heapMax());
            assertThat(gauge.percent()).isBetween(0, 100);
        }
    }

    @Test
    @DisplayName("At rest the policy keeps no timer: direct memory past a watermark starts its measure at the next "
            + "publish's check, and only then is memory sampled, until the measure ends")
    void samplesOnlyWhileAMeasureHolds() {
        AtomicLong direct = new AtomicLong(100);
        Overload o = overload(70, 80, 90);
        o.start(onGc -> new MemoryGauge(onGc, direct::get, 1000));
        try {
            assertThat(o.check()).isZero();
            assertThat(o.sampling()).as("no timer below every watermark").isFalse();
            direct.set(750);
            assertThat(o.measures()).as("not judged before a publish checks").isZero();
            assertThat(o.check()).isEqualTo(Overload.DROP_QOS0);
            assertThat(o.percent()).isEqualTo(75);
            assertThat(o.sampling()).isTrue();
            // Nothing checks from here on (a paused publisher sends nothing): the sampler alone ends the measure.
            direct.set(640);
            await().atMost(Duration.ofSeconds(10)).until(() -> o.measures() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> !o.sampling());
            direct.set(820);
            assertThat(o.check()).isEqualTo(Overload.DROP_QOS0 | Overload.PAUSE_PUBLISHERS);
            assertThat(o.sampling()).isTrue();
        } finally {
            o.close();
        }
        assertThat(o.sampling()).isFalse();
    }

    @Test
    @DisplayName("A publish judges memory again only when direct memory moved to another percent")
    void checkJudgesOnlyWhenThePercentMoves() {
        AtomicLong direct = new AtomicLong(0);
        AtomicInteger reads = new AtomicInteger();
        Thread test = Thread.currentThread();
        Overload o = overload(70, 80, 90);
        // Only this thread's reads count: a collection judges too, on the JVM's notification thread.
        o.start(onGc -> new MemoryGauge(onGc, () -> {
            if (Thread.currentThread() == test) {
                reads.incrementAndGet();
            }
            return direct.get();
        }, 100_000));
        try {
            direct.set(69_999);
            o.check();
            assertThat(o.percent()).isEqualTo(69);
            int before = reads.get();
            for (int i = 0; i < 1000; i++) {
                direct.set(69_000 + i);
                assertThat(o.check()).isZero();
            }
            assertThat(reads.get() - before).as("one read per check, no judging").isEqualTo(1000);
            direct.set(70_000);
            assertThat(o.check()).isEqualTo(Overload.DROP_QOS0);
            direct.set(68_999);
            assertThat(o.check()).as("within the hysteresis").isEqualTo(Overload.DROP_QOS0);
            assertThat(o.percent()).isEqualTo(68);
        } finally {
            o.close();
        }
    }
}
