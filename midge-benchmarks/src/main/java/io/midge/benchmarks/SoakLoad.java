package io.midge.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The load of the soak benchmark ({@code midge-benchmarks/soak.sh}): for a set time, at modest rates, everything a
 * broker meets in a long life, while the script watches the broker's heap, RSS, files and store for growth.
 *
 * <ul>
 *   <li>steady publishers and subscribers at QoS 0, 1 and 2, checked for loss (QoS 1/2) and duplicates (QoS 2)
 *       ({@link SteadyTraffic});</li>
 *   <li>connection churn with fresh client identifiers, and wills from connections dropped without DISCONNECT
 *       ({@link ConnectionChurn});</li>
 *   <li>persistent sessions going offline and coming back to what was published meanwhile
 *       ({@link PersistentSessions});</li>
 *   <li>retained messages set, overwritten and cleared, checked by new subscribers ({@link RetainedRotation}).</li>
 * </ul>
 *
 * <p>Prints one {@code SOAK-LOAD} line of counters per report interval and a {@code SOAK-LOAD-RESULT} line at the
 * end, after letting every acknowledged message arrive. Exits 1 when MQTT's promises were broken (violations), 2 on
 * bad options, 0 otherwise. Uses the Midge client throughout, except for the connections that must end without
 * DISCONNECT. {@code java -cp benchmarks.jar io.midge.benchmarks.SoakLoad --port 1883 --duration 1800 ...}
 */
public final class SoakLoad {
    private SoakLoad() {
    }

    public static void main(String[] args) throws Exception {
        SoakOptions o;
        try {
            o = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("SoakLoad: " + e.getMessage());
            System.err.println(SoakOptions.usage());
            System.exit(2);
            return;
        }
        System.exit(run(o));
    }

    static int run(SoakOptions o) throws Exception {
        System.out.println(o.describe());
        SoakCounters counters = new SoakCounters();
        // Publishing ticks never block; the connection-making tasks do (up to a timeout), so they have threads of
        // their own and cannot hold up a publisher.
        ScheduledThreadPoolExecutor ticks = executor("soak-ticks", 1);
        ScheduledThreadPoolExecutor tasks = executor("soak-tasks", 4);
        long start = System.nanoTime();
        try (SoakClients clients = new SoakClients(o, counters)) {
            SteadyTraffic steady = new SteadyTraffic(clients);
            PersistentSessions sessions = new PersistentSessions(clients);
            ConnectionChurn churn = new ConnectionChurn(clients);
            RetainedRotation retained = new RetainedRotation(clients);
            steady.start(ticks);
            sessions.start(ticks, tasks);
            churn.start(tasks);
            retained.start(tasks);
            List<SequenceCheck> checks = new ArrayList<>(steady.checks());
            checks.addAll(sessions.checks());
            List<SoakStream> streams = new ArrayList<>(steady.streams());
            streams.addAll(sessions.streams());
            long grace = TimeUnit.SECONDS.toNanos(o.graceSeconds());

            long end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            long nextReport = start + TimeUnit.SECONDS.toNanos(o.reportSeconds());
            while (System.nanoTime() < end) {
                long wait = Math.min(end, nextReport) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // a load driver's clock, not a test waiting for a condition
                }
                if (System.nanoTime() >= nextReport) {
                    checks.forEach(c -> c.sweep(grace));
                    churn.sweep(grace);
                    System.out.println(counters.line("SOAK-LOAD", elapsedSeconds(start)));
                    nextReport += TimeUnit.SECONDS.toNanos(o.reportSeconds());
                }
            }

            // Drain: no new work, every publish settled, every session back, then whatever is still missing is lost.
            System.out.println("SOAK-LOAD draining (up to " + o.drainSeconds() + " s)");
            streams.forEach(SoakStream::stop);
            ticks.shutdown();
            tasks.shutdown();
            tasks.awaitTermination(2 * SoakClients.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            sessions.stop();
            long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainSeconds());
            while (System.nanoTime() < drainEnd && !(streams.stream().allMatch(SoakStream::settled)
                    && checks.stream().allMatch(SequenceCheck::complete) && churn.pending() == 0)) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            checks.forEach(c -> c.sweep(0));
            checks.forEach(SequenceCheck::finish);
            churn.sweep(0);
            sessions.close();
            System.out.println(counters.line("SOAK-LOAD-RESULT", elapsedSeconds(start))
                    + " violations=" + counters.violations());
        } finally {
            ticks.shutdownNow();
            tasks.shutdownNow();
        }
        return counters.violations() > 0 ? 1 : 0;
    }

    private static ScheduledThreadPoolExecutor executor(String name, int threads) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // At shutdown, what is scheduled for later is dropped; only what runs finishes.
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        return e;
    }

    private static long elapsedSeconds(long start) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    }
}
