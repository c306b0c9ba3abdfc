package io.midge.broker.routing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A subscriber kept in the store, as a persistent session or a cluster node's forwarding queue is: it numbers its
 * stored deliveries and keeps what it gets (the test releases them), or refuses them as a full queue does.
 */
final class StoredSubscriber implements Subscriber {
    private final String clientId;
    private final AtomicLong sequence = new AtomicLong();
    final List<Delivery> got = new CopyOnWriteArrayList<>();
    volatile boolean refuses;

    StoredSubscriber(String clientId) {
        this.clientId = clientId;
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
        if (refuses) {
            return false;
        }
        got.add(delivery);
        return true;
    }

    @Override
    public boolean isStored() {
        return true;
    }

    @Override
    public long reserveSequence() {
        return sequence.incrementAndGet();
    }

    Delivery last() {
        return got.get(got.size() - 1);
    }

    /** Lets go of the payloads of what it got. */
    void release() {
        got.forEach(Delivery::release);
        got.clear();
    }
}
