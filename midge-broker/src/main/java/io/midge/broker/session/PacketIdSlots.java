package io.midge.broker.session;

import java.util.function.IntPredicate;

/**
 * Where a packet identifier lives in the open-addressed tables of {@link InflightSends} and {@link InboundQos2}.
 *
 * <p>Identifiers are handed out in sequence, so a window of n in flight is n consecutive numbers. With the
 * identifier itself as the slot they filled one unbroken run of slots, and a removal (backward-shift deletion walks
 * the run to its end) cost a step per send in flight: with a node link's window of 1,024 that was 14 % of a
 * cluster node's CPU, profiled. Fibonacci hashing (the golden-ratio multiply, top bits) spreads consecutive numbers
 * evenly over the table, so runs stay short at the tables' half-full limit whatever the window.
 */
final class PacketIdSlots {
    private static final int GOLDEN = 0x9E3779B9;

    private PacketIdSlots() {
    }

    /** The home slot of an identifier in a table of {@code mask + 1} slots (a power of two, at least 2). */
    static int home(int packetId, int mask) {
        return (packetId * GOLDEN) >>> Integer.numberOfLeadingZeros(mask);
    }

    /** The longest cyclic run of occupied slots in a table of {@code length} slots. */
    static int longestRun(int length, IntPredicate occupied) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < 2 * length; i++) { // twice round, for a run that wraps
            run = occupied.test(i % length) ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, length));
        }
        return longest;
    }
}
