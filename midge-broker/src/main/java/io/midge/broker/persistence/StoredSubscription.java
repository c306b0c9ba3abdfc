package io.midge.broker.persistence;

/**
 * A subscription's options as the store keeps them: the store's own value, so that the store depends on nothing
 * above it (routing converts, see {@code StoredSubscription#toStored}).
 *
 * @param qos               the maximum QoS granted, 0 to 2
 * @param noLocal           do not deliver messages this client published itself
 * @param retainAsPublished keep the RETAIN flag of forwarded messages
 * @param retainHandling    0, 1 or 2 (MQTT 5.0 section 3.8.3.1)
 * @param subscriptionId    the Subscription Identifier, 0 for none
 */
public record StoredSubscription(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                 int subscriptionId) {
    /** A subscription at {@code qos} with every other option at its default. */
    public static StoredSubscription of(int qos) {
        return new StoredSubscription(qos, false, false, 0, 0);
    }
}
