package io.midge.broker.limits;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * How full the memory a flood fills is: the heap after the last garbage collection, of the most it may grow to
 * ({@code -Xmx}), and the direct memory Netty's buffers (payloads, reads, outbound buffers) take, of its limit
 * ({@code -XX:MaxDirectMemorySize}, which defaults to {@code -Xmx}). The heap is judged after a collection, not as in
 * use now: in use now counts the garbage of the last milliseconds too, and swings from full to empty with every
 * young collection. The figure after each collection comes from the JVM's notifications, so reading it costs a
 * field read.
 */
final class MemoryGauge implements AutoCloseable {
    private final long heapMax = Runtime.getRuntime().maxMemory();
    private final long directMax;
    private final BufferPoolMXBean directPool = directPool();
    /** Direct memory in use; Netty's or the JDK's count but in tests. */
    private final LongSupplier direct;
    private final Set<String> heapPools = new HashSet<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::collected;
    /** Heap in use after the last collection (0 before the first). */
    private volatile long heapAfterGc;
    private volatile long lastGcNanos = System.nanoTime();
    /** Told after each collection, once the figure is read (on the JVM's notification thread). */
    private final Runnable onCollection;

    MemoryGauge() {
        this(() -> { });
    }

    MemoryGauge(Runnable onCollection) {
        this(onCollection, null, PlatformDependent.maxDirectMemory());
    }

    /** With {@code direct} in place of the direct memory's real count (tests); null for the real one. */
    MemoryGauge(Runnable onCollection, LongSupplier direct, long directMax) {
        this.onCollection = onCollection;
        this.direct = direct != null ? direct : this::directInUse;
        this.directMax = directMax;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    private void collected(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        Map<String, MemoryUsage> after = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData())
                .getGcInfo().getMemoryUsageAfterGc();
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : after.entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        heapAfterGc = used;
        lastGcNanos = System.nanoTime();
        onCollection.run();
    }

    /** Heap in use after the last garbage collection. */
    long heapAfterGc() {
        return heapAfterGc;
    }

    long heapMax() {
        return heapMax;
    }

    /** Direct memory in use. */
    long directUsed() {
        return direct.getAsLong();
    }

    /** Netty's own count where it allocates without the JDK's cleaner, else the JDK's. */
    private long directInUse() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        return directPool == null ? 0 : directPool.getMemoryUsed();
    }

    long directMax() {
        return directMax;
    }

    /** When the last collection ended ({@link System#nanoTime}), or when this gauge was made. */
    long lastGcNanos() {
        return lastGcNanos;
    }

    /** The fuller of the two, in % of its maximum (0 to 100 and beyond). */
    int percent() {
        return Math.max(percent(heapAfterGc, heapMax), percent(directUsed(), directMax));
    }

    /** The heap after the last collection, in % of its maximum. */
    int heapPercent() {
        return percent(heapAfterGc, heapMax);
    }

    static int percent(long used, long max) {
        return max <= 0 ? 0 : (int) Math.min(1000, used * 100 / max);
    }

    private static BufferPoolMXBean directPool() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool;
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // Not there: nothing to remove.
            }
        }
        emitters.clear();
    }
}
