package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a moving session's old node puts in the tail, and what the new node drops as copies of it. */
class HandoverTailTest {
    private static final String FROM_C = NodeLink.LINK_PREFIX + "c";

    private static Delivery delivery(String publisher, long forwardId, boolean shared) {
        Message m = new Message("t", 2, false, Unpooled.EMPTY_BUFFER, MqttProperties.EMPTY, Message.NEVER, publisher,
                forwardId);
        return new Delivery(m, 2, false, new int[0], shared);
    }

    @Test
    @DisplayName("A plain delivery behind its node's mark stays out of the tail (it reached the new node directly); "
            + "a share group's goes in all the same (its node chose this copy's node only: MQTT 5 4.8.2, one member "
            + "per group), so it is not lost; nothing the snapshot carried goes twice")
    void shareGroupDeliveriesAlwaysGoInTheTail() {
        Set<String> marked = Set.of(FROM_C);
        assertThat(HandoverGiving.inTail(delivery(FROM_C, 7, false), false, Set.of())).isTrue();
        assertThat(HandoverGiving.inTail(delivery(FROM_C, 7, false), false, marked)).isFalse();
        assertThat(HandoverGiving.inTail(delivery(FROM_C, 0, true), false, marked)).isTrue();
        assertThat(HandoverGiving.inTail(delivery("client", 0, true), false, Set.of(""))).as("this node's own")
                .isTrue();
        assertThat(HandoverGiving.inTail(delivery(FROM_C, 0, true), true, marked)).isFalse();
        assertThat(HandoverGiving.inTail(delivery(FROM_C, 7, false), true, Set.of())).isFalse();
        assertThat(HandoverGiving.identity(delivery(FROM_C, 7, true), "a")).as("a share group's has no copy")
                .isEmpty();
    }

    @Test
    @DisplayName("The new node drops each copy of a tail's message once, however late it comes (an identity names one "
            + "message on every node), and nothing else")
    void copiesAreDroppedOnceWithoutATimeLimit() {
        Set<String> identities = new HashSet<>();
        identities.add(HandoverGiving.identity(delivery(FROM_C, 7, false), "b"));
        identities.add(HandoverGiving.identity(delivery("client-on-a", 8, false), "a"));
        Predicate<Delivery> copies = HandoverAsking.copies(identities, "b");
        assertThat(copies.test(delivery(FROM_C, 6, false))).isFalse();
        assertThat(copies.test(delivery(FROM_C, 0, false))).isFalse();
        assertThat(copies.test(delivery(NodeLink.LINK_PREFIX + "d", 7, false))).as("another node's 7").isFalse();
        assertThat(copies.test(delivery(FROM_C, 7, false))).isTrue();
        assertThat(copies.test(delivery(FROM_C, 7, false))).as("once").isFalse();
        assertThat(copies.test(delivery(NodeLink.LINK_PREFIX + "a", 8, false))).isTrue();
        assertThat(identities).isEmpty();
        assertThat(HandoverAsking.COPIES_DROPPED_NANOS).as("no 60 s limit any more")
                .isGreaterThanOrEqualTo(TimeUnit.DAYS.toNanos(1));
    }
}
