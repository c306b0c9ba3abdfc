package io.midge.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One full collection once the broker has started, so that what start-up made and keeps for the broker's life (the
 * store's and Netty's structures, recovered sessions, loaded classes' objects: about 10 MB) is in the old generation
 * from then on. Left in the young generation, every young collection copied it again from survivor space to survivor
 * space until it was old enough to be promoted: measured at 5,000 msg/s, a young pause of 18-21 ms instead of 3 ms,
 * and each such pause is the worst latency of its run (issue #13). A full collection of a heap that small takes some
 * 50 ms, once, as the broker starts.
 */
final class StartupHeap {
    private static final Logger log = LoggerFactory.getLogger(StartupHeap.class);

    private StartupHeap() {
    }

    /** Runs the collection (nothing happens with -XX:+DisableExplicitGC); returns how many collections ran. */
    static long settle() {
        long before = collections();
        long started = System.nanoTime();
        System.gc();
        long ran = collections() - before;
        log.debug("Start-up heap settled in {} ms ({} collections)", (System.nanoTime() - started) / 1_000_000, ran);
        return ran;
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }
}
