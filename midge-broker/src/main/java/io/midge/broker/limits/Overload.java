package io.midge.broker.limits;

import io.midge.broker.config.LimitsConfig;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker-wide overload policy: how full memory is (a {@link MemoryGauge}), and which measures that calls for,
 * each from its own watermark (overload-drop-qos0, overload-pause-publishers, overload-refuse-publishes):
 * {@link #DROP_QOS0}, {@link #PAUSE_PUBLISHERS}, {@link #REFUSE_PUBLISHES}. A measure starts when memory reaches its
 * watermark and ends when memory falls {@value #HYSTERESIS} points below it, so that it does not flap at the edge.
 * The protocol applies them to each publish: {@link #check()} is what a publish costs, three field reads.
 *
 * <p>Memory is judged where it changes, with no timer while no measure holds, so that an idle broker does not wake
 * up for it: the heap after each garbage collection (the JVM's notification), and Netty's direct memory, which
 * grows with what publishes bring in, at each publish ({@link #check()}: judged again only when the figure moved to
 * another percent). While a measure holds, the thread {@code midge-overload} samples every {@value #SAMPLE_MILLIS}
 * ms as well: a measure must end promptly when memory falls, though paused publishers send nothing that would check
 * it, and a loop busy with a flood's reads would sample late; the same thread asks for a collection when none came.
 */
public final class Overload implements AutoCloseable {
    /** QoS 0 publishes are dropped (and counted). */
    public static final int DROP_QOS0 = 1;
    /** Clients that publish are not read for a while. */
    public static final int PAUSE_PUBLISHERS = 2;
    /** QoS 1/2 publishes of 5.0 clients are refused with 0x97 Quota exceeded. */
    public static final int REFUSE_PUBLISHES = 4;
    /** Points below its watermark at which a measure ends. */
    static final int HYSTERESIS = 5;
    static final long SAMPLE_MILLIS = 10;
    /**
     * While a measure holds and no collection ran for this long, one is asked for: the heap after the last one is
     * stale, and with few allocations the next could be far off, holding measures that are no longer needed.
     * Doubled each time it was asked for in vain, up to {@link #LONGEST_GC_WAIT_NANOS}.
     */
    static final long FIRST_GC_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long LONGEST_GC_WAIT_NANOS = TimeUnit.MINUTES.toNanos(5);

    private static final Logger log = LoggerFactory.getLogger(Overload.class);

    /**
     * The direct memory, in bytes, within which its figure stays at the percent last judged: outside it a publish
     * judges again. {@link #NOT_JUDGING} (no gauge) while the broker does not watch memory (before start, in tests).
     */
    private record Band(MemoryGauge gauge, long low, long high) {
    }

    private static final Band NOT_JUDGING = new Band(null, Long.MIN_VALUE, Long.MAX_VALUE);

    private final int dropQos0At;
    private final int pausePublishersAt;
    private final int refusePublishesAt;
    private volatile int measures;
    private volatile int percent;
    private volatile Band band = NOT_JUDGING;
    private final AtomicInteger pausedPublishers = new AtomicInteger();
    private volatile MemoryGauge gauge;
    private ScheduledThreadPoolExecutor sampling;
    /** The sampler while a measure holds, else null. */
    private ScheduledFuture<?> sampler;
    private long gcWait = FIRST_GC_WAIT_NANOS;
    private long lastGcAsked;
    private volatile boolean collecting;

    public Overload(LimitsConfig limits) {
        this.dropQos0At = limits.overloadDropQos0();
        this.pausePublishersAt = limits.overloadPausePublishers();
        this.refusePublishesAt = limits.overloadRefusePublishes();
    }

    /**
     * Watches memory until {@link #close}: judged after each collection and as publishes check it, and sampled
     * every {@value #SAMPLE_MILLIS} ms on the thread {@code midge-overload} while a measure holds.
     */
    public void start() {
        start(MemoryGauge::new);
    }

    /** Watches memory through the gauge {@code gauges} makes, telling it what to call after each collection. */
    synchronized void start(Function<Runnable, MemoryGauge> gauges) {
        lastGcAsked = System.nanoTime();
        // The thread starts with the first measure; idle, it waits without a timeout.
        sampling = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "midge-overload");
            thread.setDaemon(true);
            return thread;
        });
        sampling.setRemoveOnCancelPolicy(true);
        gauge = gauges.apply(this::judge);
        judge();
    }

    /**
     * The measures in force, after judging memory again if its direct part moved to another percent since it was
     * last judged: what each publish asks. The same as {@link #measures()} while memory is not watched.
     */
    public int check() {
        Band b = band;
        if (b.gauge != null) {
            long direct = b.gauge.directUsed();
            if (direct < b.low || direct >= b.high) {
                judge();
            }
        }
        return measures;
    }

    /** Reads the gauge and sets the measures; after a collection, at a publish that saw memory move, and sampling. */
    private synchronized void judge() {
        MemoryGauge g = gauge;
        if (g == null) {
            return;
        }
        try {
            long direct = g.directUsed();
            long max = g.directMax();
            int directPercent = MemoryGauge.percent(direct, max);
            // The bytes whose figure is the same percent, widened to hold this reading whatever the rounding.
            band = new Band(g, Math.min(direct, bytesAt(directPercent, max)),
                    Math.max(direct + 1, bytesAt(directPercent + 1, max)));
            update(Math.max(g.heapPercent(), directPercent));
        } catch (RuntimeException e) {
            log.warn("Reading the memory for the overload policy failed: {}", e.toString());
        }
    }

    /** The fewest bytes that make {@code percent} % of {@code max}. */
    private static long bytesAt(int percent, long max) {
        return max <= 0 ? Long.MAX_VALUE : (long) Math.ceil(max / 100.0 * percent);
    }

    /** Every {@value #SAMPLE_MILLIS} ms while a measure holds: judges, and asks for a collection when none came. */
    private synchronized void sample() {
        try {
            judge();
            if (measures == 0 || gauge == null) {
                return;
            }
            long now = System.nanoTime();
            if (!collecting && now - Math.max(gauge.lastGcNanos(), lastGcAsked) > gcWait) {
                lastGcAsked = now;
                gcWait = Math.min(gcWait * 2, LONGEST_GC_WAIT_NANOS);
                collecting = true;
                log.debug("Overload measures hold and no garbage collection for a while: asking for one");
                // Not on the loop: with -XX:+ExplicitGCInvokesConcurrent the call waits for a whole cycle.
                ForkJoinPool.commonPool().execute(() -> {
                    try {
                        System.gc();
                    } finally {
                        collecting = false;
                    }
                });
            }
        } catch (RuntimeException e) {
            // A periodic task that throws never runs again: the policy would stay as it is for good.
            log.warn("Sampling the memory for the overload policy failed: {}", e.toString());
        }
    }

    /**
     * Sets the measures for memory at {@code percent} of its maximum. The sampler calls it; so do tests, which
     * need no sampler.
     */
    public synchronized void update(int percent) {
        this.percent = percent;
        int before = measures;
        int after = measure(before, DROP_QOS0, dropQos0At, percent)
                | measure(before, PAUSE_PUBLISHERS, pausePublishersAt, percent)
                | measure(before, REFUSE_PUBLISHES, refusePublishesAt, percent);
        if (after != before) {
            measures = after;
            logChange(before, after, percent);
        }
        if (sampling == null) {
            return;
        }
        if (after != 0 && sampler == null) {
            sampler = sampling.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        } else if (after == 0 && sampler != null) {
            sampler.cancel(false);
            sampler = null;
            gcWait = FIRST_GC_WAIT_NANOS;
        }
    }

    /** Whether {@code measure} holds at {@code percent}: from its watermark on, until HYSTERESIS points below. */
    static int measure(int current, int measure, int watermark, int percent) {
        if (watermark >= 100) {
            return 0;
        }
        boolean holds = (current & measure) != 0;
        return percent >= watermark || (holds && percent > watermark - HYSTERESIS) ? measure : 0;
    }

    private void logChange(int before, int after, int percent) {
        String memory = gauge == null ? percent + " %" : String.format("%d %% (heap after GC %d of %d MiB, direct "
                + "%d of %d MiB)", percent, gauge.heapAfterGc() >> 20, gauge.heapMax() >> 20,
                gauge.directUsed() >> 20, gauge.directMax() >> 20);
        if ((after & ~before) != 0) {
            log.warn("Memory at {}: overloaded, now {}", memory, describe(after));
        } else {
            log.info("Memory at {}: {}", memory, after == 0 ? "no longer overloaded" : "now " + describe(after));
        }
    }

    /** The measures in words, for the log. */
    static String describe(int measures) {
        if (measures == 0) {
            return "no measures";
        }
        StringBuilder s = new StringBuilder();
        if ((measures & DROP_QOS0) != 0) {
            s.append("dropping QoS 0 publishes");
        }
        if ((measures & PAUSE_PUBLISHERS) != 0) {
            s.append(s.length() > 0 ? ", " : "").append("pausing publishers");
        }
        if ((measures & REFUSE_PUBLISHES) != 0) {
            s.append(s.length() > 0 ? ", " : "").append("refusing QoS 1/2 publishes (5.0)");
        }
        return s.toString();
    }

    /** The measures in force: a sum of DROP_QOS0, PAUSE_PUBLISHERS and REFUSE_PUBLISHES, 0 for none. */
    public int measures() {
        return measures;
    }

    /** Memory in use, in % of its maximum, as judged now (heap after the last collection, direct memory now). */
    public int percent() {
        check();
        return percent;
    }

    /** A connection stopped reading for the policy ({@link #PAUSE_PUBLISHERS}). */
    public void publisherPaused() {
        pausedPublishers.incrementAndGet();
    }

    /** A connection paused for the policy reads again (or closed). */
    public void publisherResumed() {
        pausedPublishers.decrementAndGet();
    }

    /** Whether the sampler is scheduled: only while a measure holds. */
    synchronized boolean sampling() {
        return sampler != null;
    }

    /** Connections not read now for the policy. */
    public int pausedPublishers() {
        return pausedPublishers.get();
    }

    /** Heap in use after the last collection, in bytes; 0 while not sampling. */
    public long heapAfterGc() {
        MemoryGauge g = gauge;
        return g == null ? 0 : g.heapAfterGc();
    }

    /** Direct memory in use, in bytes; 0 while not sampling. */
    public long directUsed() {
        MemoryGauge g = gauge;
        return g == null ? 0 : g.directUsed();
    }

    @Override
    public synchronized void close() {
        band = NOT_JUDGING;
        if (sampling != null) {
            sampling.shutdownNow();
            sampling = null;
            sampler = null;
        }
        if (gauge != null) {
            gauge.close();
            gauge = null;
        }
    }
}
