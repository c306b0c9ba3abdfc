package io.midge.broker.cluster;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Subscriber;

/**
 * A local subscriber for the route table's tests: online, never delivered to; {@code stored} as a persistent
 * session is (which makes its QoS 1/2 routes durable).
 */
final class LocalSubscriber implements Subscriber {
    private final String clientId;
    volatile boolean stored;

    LocalSubscriber(String clientId) {
        this.clientId = clientId;
    }

    LocalSubscriber(String clientId, boolean stored) {
        this.clientId = clientId;
        this.stored = stored;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return true;
    }

    @Override
    public boolean offer(Delivery delivery) {
        return false;
    }

    @Override
    public boolean isStored() {
        return stored;
    }
}
