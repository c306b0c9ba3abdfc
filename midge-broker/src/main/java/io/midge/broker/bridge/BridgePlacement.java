package io.midge.broker.bridge;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * Where each bridge runs. A broker alone runs its bridges itself ({@link #HERE}); on a cluster a bridge runs on one
 * node at a time, among those that have it configured (the cluster decides which, and {@code Broker} hands its
 * decision in through this), so that a bridge configured on several nodes still sends each message to its remote
 * once.
 */
public interface BridgePlacement {
    /** A broker alone: its bridges run here, always. */
    BridgePlacement HERE = new BridgePlacement() {
        @Override
        public void offer(Collection<String> bridges) {
            // nobody else to tell
        }

        @Override
        public boolean runsHere(String bridge) {
            return true;
        }

        @Override
        public String host(String bridge) {
            return "this broker";
        }

        @Override
        public void onChange(Runnable changed) {
            // never changes
        }
    };

    /** This broker has these bridges configured (all of them, each time): it may run them. */
    void offer(Collection<String> bridges);

    /** Whether this bridge runs on this broker now. */
    boolean runsHere(String bridge);

    /** Where it runs, as the log names it ("node 'a' (the oldest that has it)"). */
    String host(String bridge);

    /** Calls {@code changed}, on any thread, whenever {@link #runsHere} may have changed for some bridge. */
    void onChange(Runnable changed);

    /**
     * Completes once what other brokers had on its way to this one for the bridge's queue (subscribed to
     * {@code filters}), when called, arrived and sits in the queue (bounded; never fails); from then on what matches
     * them reaches the broker that runs the bridge. A broker alone: at once. On a cluster, the other nodes forward
     * what matched the queue's route while this node was down, and deliver it when it is back.
     */
    default CompletableFuture<Void> forwardedHere(String bridge, Collection<String> filters) {
        return CompletableFuture.completedFuture(null);
    }
}
