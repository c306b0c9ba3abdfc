package io.midge.broker.bridge;

import java.util.concurrent.atomic.LongAdder;

/** A bridge's figures since the broker started ($SYS, metrics, the API); they outlive its links and reloads. */
final class BridgeCounters {
    /** Messages published to the remote (re-sends not counted). */
    final LongAdder sent = new LongAdder();
    /** Messages from the remote published here. */
    final LongAdder received = new LongAdder();
    /** Messages dropped at the outbound queue's bound (its drop policy). */
    final LongAdder dropped = new LongAdder();
    /** Messages dropped as larger than the remote's Maximum Packet Size, or refused by the local ACL. */
    final LongAdder tooLarge = new LongAdder();
    final LongAdder refusedByAcl = new LongAdder();
    /** Connections made to the remote. */
    final LongAdder connects = new LongAdder();
    volatile boolean connected;
    /** The last reason the link failed or was refused, or null. */
    volatile String lastError;
}
