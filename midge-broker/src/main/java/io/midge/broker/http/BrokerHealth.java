package io.midge.broker.http;

/**
 * Where the broker is in its life, for {@code /health}: ready only once the store is open and every listener
 * bound, so that a load balancer or a cluster peer sends nothing to a broker that cannot take it.
 */
public final class BrokerHealth {
    /** The phases {@code /health} tells apart. */
    public enum State { STARTING, READY, CLOSING }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public void set(State state) {
        this.state = state;
    }
}
