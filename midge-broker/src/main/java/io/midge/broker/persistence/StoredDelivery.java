package io.midge.broker.persistence;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message on its way to one subscriber, mirroring the broker's {@code Delivery}: the QoS and RETAIN flag it is
 * delivered with and the identifiers of the subscriptions it matched.
 *
 * @param shared whether a shared subscription chose this subscriber
 */
public record StoredDelivery(StoredMessage message, int qos, boolean retain, int[] subscriptionIds, boolean shared) {
    private static final int[] NO_IDS = {};

    public StoredDelivery {
        Objects.requireNonNull(message, "message");
        subscriptionIds = subscriptionIds == null || subscriptionIds.length == 0 ? NO_IDS : subscriptionIds.clone();
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    @Override
    public int[] subscriptionIds() {
        return subscriptionIds.length == 0 ? NO_IDS : subscriptionIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredDelivery d && qos == d.qos && retain == d.retain && shared == d.shared
                && message.equals(d.message) && Arrays.equals(subscriptionIds, d.subscriptionIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(message, qos, retain, Arrays.hashCode(subscriptionIds), shared);
    }

    @Override
    public String toString() {
        return "StoredDelivery[" + message + ", qos=" + qos + ", retain=" + retain + ", subscriptionIds="
                + Arrays.toString(subscriptionIds) + ", shared=" + shared + "]";
    }
}
