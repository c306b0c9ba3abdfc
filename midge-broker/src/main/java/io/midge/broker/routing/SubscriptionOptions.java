package io.midge.broker.routing;

import io.midge.broker.persistence.StoredSubscription;

/**
 * The options a client chose for one subscription (MQTT 5.0 section 3.8.3.1); MQTT 3.1.1 subscriptions use the
 * defaults of {@link #of(int)}.
 *
 * @param qos               the maximum QoS granted, 0 to 2
 * @param noLocal           do not deliver messages this client published itself
 * @param retainAsPublished keep the RETAIN flag of forwarded messages instead of clearing it
 * @param retainHandling    0 send retained messages on subscribe, 1 only if the subscription is new, 2 never
 * @param subscriptionId    the Subscription Identifier, 0 for none
 */
public record SubscriptionOptions(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                  int subscriptionId) {
    /** The largest Subscription Identifier, a Variable Byte Integer (MQTT 5.0 section 3.8.2.1.2). */
    public static final int MAX_SUBSCRIPTION_ID = 268_435_455;

    public SubscriptionOptions {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (retainHandling < 0 || retainHandling > 2) {
            throw new IllegalArgumentException("retain handling must be 0, 1 or 2: " + retainHandling);
        }
        if (subscriptionId < 0 || subscriptionId > MAX_SUBSCRIPTION_ID) {
            throw new IllegalArgumentException("subscription identifier out of range: " + subscriptionId);
        }
    }

    /**
     * Every combination without a Subscription Identifier, made once: each subscription of each session holds its
     * options, and a million devices should not hold a million copies of the same few.
     */
    private static final SubscriptionOptions[] SHARED = new SubscriptionOptions[3 * 2 * 2 * 3];

    static {
        for (int qos = 0; qos <= 2; qos++) {
            for (int retainHandling = 0; retainHandling <= 2; retainHandling++) {
                for (boolean noLocal : new boolean[] {false, true}) {
                    for (boolean retainAsPublished : new boolean[] {false, true}) {
                        SHARED[index(qos, noLocal, retainAsPublished, retainHandling)] =
                                new SubscriptionOptions(qos, noLocal, retainAsPublished, retainHandling, 0);
                    }
                }
            }
        }
    }

    private static int index(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
        return ((qos * 2 + (noLocal ? 1 : 0)) * 2 + (retainAsPublished ? 1 : 0)) * 3 + retainHandling;
    }

    /** These options: a shared instance when there is no Subscription Identifier (checked as the constructor does). */
    public static SubscriptionOptions of(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                         int subscriptionId) {
        if (subscriptionId != 0 || qos < 0 || qos > 2 || retainHandling < 0 || retainHandling > 2) {
            return new SubscriptionOptions(qos, noLocal, retainAsPublished, retainHandling, subscriptionId);
        }
        return SHARED[index(qos, noLocal, retainAsPublished, retainHandling)];
    }

    /** A subscription at {@code qos} with every other option at its default, as MQTT 3.1.1 has it. */
    public static SubscriptionOptions of(int qos) {
        return of(qos, false, false, 0, 0);
    }

    /** As the store keeps it. */
    public StoredSubscription toStored() {
        return new StoredSubscription(qos, noLocal, retainAsPublished, retainHandling, subscriptionId);
    }

    public static SubscriptionOptions fromStored(StoredSubscription s) {
        return of(s.qos(), s.noLocal(), s.retainAsPublished(), s.retainHandling(), s.subscriptionId());
    }
}
