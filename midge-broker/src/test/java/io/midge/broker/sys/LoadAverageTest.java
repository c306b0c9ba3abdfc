package io.midge.broker.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The load averages against the exponential decay they are meant to follow. */
class LoadAverageTest {
    @Test
    @DisplayName("A steady rate is approached as 1 - e^(-t/window): after one minute the 1-minute average is 63% there")
    void steadyRate() {
        LoadAverage load = new LoadAverage(0);
        long count = 0;
        for (int second = 10; second <= 60; second += 10) {
            count += 100; // 600 a minute
            load.update(count, 10);
        }
        double share = 1 - Math.exp(-1);
        assertThat(load.perMinute(0)).isCloseTo(600 * share, within(0.01));
        assertThat(load.perMinute(1)).isCloseTo(600 * (1 - Math.exp(-1.0 / 5)), within(0.01));
        assertThat(load.perMinute(2)).isCloseTo(600 * (1 - Math.exp(-1.0 / 15)), within(0.01));
    }

    @Test
    @DisplayName("Without traffic the averages fall, the short window first; the counter's start is not a burst")
    void quietDecays() {
        LoadAverage load = new LoadAverage(5_000);
        load.update(5_600, 60);
        double oneMinute = load.perMinute(0);
        double fifteen = load.perMinute(2);
        assertThat(oneMinute).isCloseTo(600 * (1 - Math.exp(-1)), within(0.01));
        load.update(5_600, 60);
        assertThat(load.perMinute(0)).isCloseTo(oneMinute * Math.exp(-1), within(0.01));
        assertThat(load.perMinute(2)).isCloseTo(fifteen * Math.exp(-1.0 / 15), within(0.01));
    }
}
