package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StartupHeapTest {
    @Test
    @DisplayName("Once started, the broker's process collects its heap once, so that start-up's lasting objects are "
            + "not copied again by every young collection")
    void settlingRunsACollection() {
        assertThat(StartupHeap.settle()).isPositive();
    }
}
