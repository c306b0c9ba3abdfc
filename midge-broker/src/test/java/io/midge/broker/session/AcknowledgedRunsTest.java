package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.persistence.StoreBatch;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How a session's acknowledged queue entries become removals: one per run of consecutive sequences. */
class AcknowledgedRunsTest {
    private final List<String> removals = new ArrayList<>();
    private final AcknowledgedRuns runs = new AcknowledgedRuns();

    /** A batch that notes each removal of a queued delivery ("5" or "3..7") and takes nothing else. */
    private StoreBatch batch() {
        return (StoreBatch) Proxy.newProxyInstance(StoreBatch.class.getClassLoader(), new Class<?>[] {StoreBatch.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("removeQueued")) {
                        throw new AssertionError("unexpected change: " + method.getName());
                    }
                    assertThat(args[0]).isEqualTo("sub");
                    removals.add(args.length == 2 ? args[1].toString() : args[1] + ".." + args[2]);
                    return proxy;
                });
    }

    private void acknowledge(long... sequences) {
        for (long s : sequences) {
            runs.add(s, false);
        }
    }

    @Test
    @DisplayName("MQTT-4.3.2-2: acknowledgements in any order make one removal per run of consecutive sequences")
    void oneRemovalPerRun() {
        acknowledge(5, 3, 4, 7, 6, 10, 12, 11, 20);
        runs.writeTo(batch(), "sub");
        assertThat(removals).containsExactly("3..7", "10..12", "20");
        assertThat(runs.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("An entry whose put was cancelled joins its run, a lone one is not removed, a run of cancelled "
            + "entries only is not written, and one written entry among cancelled ones is removed alone")
    void cancelledEntries() {
        acknowledge(1, 3);
        runs.add(2, true);
        runs.add(8, true);
        runs.add(14, true);
        runs.add(15, true);
        runs.add(20, true);
        acknowledge(21);
        runs.add(22, true);
        runs.writeTo(batch(), "sub");
        assertThat(removals).containsExactly("1..3", "21");
    }

    @Test
    @DisplayName("A pass starts over after each write, and an acknowledgement noted twice counts once")
    void startsOverAndToleratesRepeats() {
        acknowledge(1, 2, 2);
        runs.writeTo(batch(), "sub");
        acknowledge(4);
        runs.writeTo(batch(), "sub");
        runs.writeTo(batch(), "sub"); // nothing noted: nothing written
        assertThat(removals).containsExactly("1..2", "4");
    }

    @Test
    @DisplayName("A burst of acknowledgements grows the pass and is written as one run")
    void burst() {
        for (long s = 1000; s < 6000; s++) {
            runs.add(s, false);
        }
        runs.writeTo(batch(), "sub");
        assertThat(removals).containsExactly("1000..5999");
    }

    @Test
    @DisplayName("Only stored deliveries have sequences")
    void notStored() {
        assertThatThrownBy(() -> runs.add(-1, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
