package io.midge.broker.routing;

/** A subscriber for tests, online unless told otherwise. */
final class FakeSession implements Subscriber {
    private final String clientId;
    volatile boolean online = true;

    FakeSession(String clientId) {
        this.clientId = clientId;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return online;
    }

    @Override
    public boolean offer(Delivery delivery) {
        return false; // for matching tests only: never delivered to
    }

    @Override
    public String toString() {
        return clientId;
    }
}
