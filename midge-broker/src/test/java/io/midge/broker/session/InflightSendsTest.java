package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The window's sends by packet identifier: must behave as the LinkedHashMap it replaced, order included. */
class InflightSendsTest {
    @Test
    @DisplayName("Random puts and removes agree with a LinkedHashMap: lookups, size, and the order sent")
    void likeALinkedHashMap() {
        Random random = new Random(7);
        InflightSends sends = new InflightSends();
        Map<Integer, InflightSend> expected = new LinkedHashMap<>();
        for (int round = 0; round < 100_000; round++) {
            int id = random.nextInt(5) == 0 ? 1 + random.nextInt(65535) : 1 + random.nextInt(200);
            if (random.nextInt(3) > 0 && !expected.containsKey(id)) {
                InflightSend send = new InflightSend(null, round);
                sends.put(id, send);
                expected.put(id, send);
            } else {
                assertThat(sends.remove(id)).isSameAs(expected.remove(id));
            }
            int probe = 1 + random.nextInt(65535);
            assertThat(sends.get(probe)).isSameAs(expected.get(probe));
            assertThat(sends.size()).isEqualTo(expected.size());
            if (round % 1000 == 0) {
                assertThat(walk(sends)).containsExactlyElementsOf(expected.values());
            }
        }
        List<Integer> ids = new ArrayList<>();
        sends.entries().forEach(e -> {
            assertThat(e.getValue().packetId).isEqualTo(e.getKey());
            ids.add(e.getKey());
        });
        assertThat(ids).containsExactlyElementsOf(expected.keySet());
    }

    @Test
    @DisplayName("A walk may remove the send it stands on after taking the next one, and sees every other send")
    void removeWhileWalking() {
        InflightSends sends = new InflightSends();
        for (int id = 1; id <= 40; id++) {
            sends.put(id * 16, new InflightSend(null, id)); // one probe run, to move sends on each removal
        }
        InflightSend next;
        List<Integer> kept = new ArrayList<>();
        for (InflightSend s = sends.first(); s != null; s = next) {
            next = s.next;
            if (s.packetId % 32 == 0) {
                sends.remove(s);
            } else {
                kept.add(s.packetId);
            }
        }
        assertThat(kept).hasSize(20);
        assertThat(walk(sends)).extracting(s -> s.packetId).containsExactlyElementsOf(kept);
        for (int id : kept) {
            assertThat(sends.get(id)).isNotNull();
        }
        assertThat(sends.get(32)).isNull();
        sends.clear();
        assertThat(sends.isEmpty()).isTrue();
        assertThat(sends.first()).isNull();
    }

    private static List<InflightSend> walk(InflightSends sends) {
        List<InflightSend> all = new ArrayList<>();
        for (InflightSend s = sends.first(); s != null; s = s.next) {
            all.add(s);
        }
        return all;
    }

    @Test
    @DisplayName("A window of consecutive identifiers (as they are handed out) leaves only short runs of slots: a "
            + "removal walks a few slots, not the whole window")
    void consecutiveIdentifiersSpread() {
        InflightSends sends = new InflightSends();
        for (int id = 1; id <= 1024; id++) {
            sends.put(id, new InflightSend(null, id));
        }
        // Slotted by the identifier itself, 1,024 consecutive identifiers were one run of 1,024 slots.
        assertThat(sends.longestRun()).isLessThan(32);
        for (int id = 1; id <= 1024; id++) {
            assertThat(sends.remove(id).packetId).isEqualTo(id);
        }
        assertThat(sends.isEmpty()).isTrue();
    }
}
