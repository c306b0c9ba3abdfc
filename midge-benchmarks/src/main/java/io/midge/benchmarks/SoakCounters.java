package io.midge.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link SoakLoad} counted since it started. Violations are what MQTT promises and the broker did not keep:
 * a QoS 1/2 message lost, a QoS 2 message delivered twice, a persistent session not resumed, a wrong retained
 * message, a will that never came. The rest describes the load (and QoS 0 losses and QoS 1 duplicates, which MQTT
 * allows).
 */
final class SoakCounters {
    private static final int ERRORS_SHOWN = 20;

    final LongAdder published = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder churned = new LongAdder();
    final LongAdder resumed = new LongAdder();
    final LongAdder willsSent = new LongAdder();
    final LongAdder willsReceived = new LongAdder();
    final LongAdder retainedChanges = new LongAdder();
    final LongAdder retainedChecks = new LongAdder();
    /** Ticks a publisher skipped because it had too many publishes unacknowledged: the broker fell behind. */
    final LongAdder stalled = new LongAdder();
    /** Connections of steady clients (meant to last the whole run) that ended. */
    final LongAdder steadyDrops = new LongAdder();
    // MQTT allows these.
    final LongAdder qos0Lost = new LongAdder();
    final LongAdder qos1Duplicated = new LongAdder();
    // Violations.
    final LongAdder lost = new LongAdder();
    final LongAdder duplicated = new LongAdder();
    final LongAdder sessionsLost = new LongAdder();
    final LongAdder retainedWrong = new LongAdder();
    final LongAdder willsMissing = new LongAdder();

    private final AtomicInteger errorsShown = new AtomicInteger();

    /** Counts an error and prints the first few (to stderr), so that a run with errors says what they were. */
    void error(String what, Throwable cause) {
        errors.increment();
        if (errorsShown.incrementAndGet() <= ERRORS_SHOWN) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("SOAK-LOAD error: " + what + ": " + root);
        }
    }

    long violations() {
        return lost.sum() + duplicated.sum() + sessionsLost.sum() + retainedWrong.sum() + willsMissing.sum();
    }

    /** One report line: the headline counters first, then the detail. */
    String line(String label, long seconds) {
        return label + " t=" + seconds + "s published=" + published.sum() + " received=" + received.sum()
                + " lost=" + lost.sum() + " duplicated=" + duplicated.sum() + " connects=" + connects.sum()
                + " errors=" + errors.sum()
                + " | churn=" + churned.sum() + " wills=" + willsReceived.sum() + "/" + willsSent.sum()
                + " wills_missing=" + willsMissing.sum() + " resumed=" + resumed.sum()
                + " sessions_lost=" + sessionsLost.sum() + " retained_changes=" + retainedChanges.sum()
                + " retained_checks=" + retainedChecks.sum() + " retained_wrong=" + retainedWrong.sum()
                + " q0_lost=" + qos0Lost.sum() + " q1_dup=" + qos1Duplicated.sum() + " stalled=" + stalled.sum()
                + " steady_drops=" + steadyDrops.sum();
    }
}
