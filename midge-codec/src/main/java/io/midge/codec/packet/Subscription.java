package io.midge.codec.packet;

import java.util.Objects;

/**
 * One topic filter of a SUBSCRIBE with its options. {@code noLocal}, {@code retainAsPublished} and
 * {@code retainHandling} (0 send retained, 1 only for a new subscription, 2 never) exist in 5.0 only.
 */
public record Subscription(String topicFilter, int qos, boolean noLocal, boolean retainAsPublished,
                           int retainHandling) {
    public Subscription {
        Objects.requireNonNull(topicFilter, "topicFilter");
        Packets.checkQos(qos);
        if (retainHandling < 0 || retainHandling > 2) {
            throw new IllegalArgumentException("retainHandling out of range 0-2: " + retainHandling);
        }
    }

    /** A subscription with the default options, as 3.x has them. */
    public Subscription(String topicFilter, int qos) {
        this(topicFilter, qos, false, false, 0);
    }
}
