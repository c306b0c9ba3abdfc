package io.midge.broker.bridge;

/**
 * Where the bridges run. A broker alone runs its bridges itself ({@link #HERE}); on a cluster they run on one node at
 * a time (the cluster decides which, and {@code Broker} hands its decision in through this), so that a bridge
 * configured on every node still sends each message to its remote once.
 */
public interface BridgePlacement {
    /** A broker alone: its bridges run here, always. */
    BridgePlacement HERE = new BridgePlacement() {
        @Override
        public boolean runsHere() {
            return true;
        }

        @Override
        public String host() {
            return "this broker";
        }

        @Override
        public void onChange(Runnable changed) {
            // never changes
        }
    };

    /** Whether the bridges run on this broker now. */
    boolean runsHere();

    /** Where they run, as the log names it ("node 'a'"); "no node" when none may run them now. */
    String host();

    /** Calls {@code changed}, on any thread, whenever {@link #runsHere} may have changed. */
    void onChange(Runnable changed);
}
