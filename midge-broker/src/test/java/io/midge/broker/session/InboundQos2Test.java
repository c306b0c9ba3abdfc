package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The inbound QoS 2 identifiers: a set of ints in an open-addressed table, which must behave as a HashSet. */
class InboundQos2Test {
    @Test
    @DisplayName("Random adds and removes over the whole identifier range agree with a HashSet, ids() ascending")
    void likeAHashSet() {
        Random random = new Random(13);
        InboundQos2 ids = new InboundQos2();
        Set<Integer> expected = new HashSet<>();
        for (int round = 0; round < 200_000; round++) {
            // Mostly a narrow band (as a client's identifiers are), sometimes anywhere: both crowd probe runs.
            int id = random.nextInt(4) == 0 ? 1 + random.nextInt(65535) : 1 + random.nextInt(300);
            if (random.nextBoolean()) {
                ids.add(id);
                expected.add(id);
            } else {
                assertThat(ids.remove(id)).isEqualTo(expected.remove(id));
            }
            int probe = 1 + random.nextInt(65535);
            assertThat(ids.contains(probe)).isEqualTo(expected.contains(probe));
            assertThat(ids.size()).isEqualTo(expected.size());
        }
        assertThat(ids.ids()).containsExactly(expected.stream().mapToInt(Integer::intValue).sorted().toArray());
        for (int id : expected) {
            assertThat(ids.contains(id)).isTrue();
        }
    }

    @Test
    @DisplayName("Identifiers that share a home slot (ids a table length apart) survive each other's removal")
    void collidingIdentifiers() {
        InboundQos2 ids = new InboundQos2();
        for (int id = 16; id <= 16 * 7; id += 16) {
            ids.add(id); // all in one probe run of a 16-slot table (grown to 32 on the way)
        }
        ids.add(1);
        assertThat(ids.remove(32)).isTrue();
        assertThat(ids.remove(32)).isFalse();
        assertThat(ids.ids()).containsExactly(1, 16, 48, 64, 80, 96, 112);
        ids.clear();
        assertThat(ids.size()).isZero();
        assertThat(ids.contains(16)).isFalse();
        assertThat(ids.remove(16)).isFalse();
    }

    @Test
    @DisplayName("0 is not a packet identifier (MQTT-2.2.1-3): refused, since it marks a free slot")
    void zeroRefused() {
        assertThatThrownBy(() -> new InboundQos2().add(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Consecutive identifiers (as a publisher hands them out) leave only short runs of slots")
    void consecutiveIdentifiersSpread() {
        InboundQos2 ids = new InboundQos2();
        for (int id = 1; id <= 1024; id++) {
            ids.add(id);
        }
        // Slotted by the identifier itself, 1,024 consecutive identifiers were one run of 1,024 slots.
        assertThat(ids.longestRun()).isLessThan(32);
        for (int id = 1; id <= 1024; id++) {
            assertThat(ids.remove(id)).isTrue();
        }
        assertThat(ids.size()).isZero();
    }
}
