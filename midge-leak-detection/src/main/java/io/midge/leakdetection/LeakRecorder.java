package io.midge.leakdetection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects the leaks Netty's {@link ResourceLeakDetector}s report, instead of only logging them.
 *
 * <p>Netty creates the detector for {@code ByteBuf} once, when {@code AbstractByteBuf} is initialised, from
 * whatever {@link ResourceLeakDetectorFactory} is installed at that moment. {@link #install()} must therefore
 * run before the first buffer is allocated in the JVM; it checks that it did and refuses to pretend otherwise.
 */
final class LeakRecorder {

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    /**
     * How many of the buffers tracked since the last check are not released yet. When all of them were, none of
     * them can leak, and the check skips the GC that costs a few milliseconds: a test that cleans up after itself
     * pays nothing. Each check starts a fresh counter; a buffer decrements the counter it started with.
     */
    private static volatile AtomicInteger unreleasedSinceCheck = new AtomicInteger();
    private static final AtomicBoolean BYTE_BUF_DETECTOR_CREATED = new AtomicBoolean();
    private static final Object INSTALL_LOCK = new Object();
    private static volatile boolean installed;

    private LeakRecorder() {
    }

    /**
     * Installs the recording factory, once per JVM.
     *
     * @throws IllegalStateException when Netty created its buffer leak detector before this ran, so leaks could not
     *                               be recorded
     */
    static void install() {
        if (installed) {
            return;
        }
        synchronized (INSTALL_LOCK) {
            if (installed) {
                return;
            }
            // Maven sets the level through surefire's argLine; an IDE run usually does not. Without a level chosen
            // explicitly, check every buffer there too, so that a test behaves the same wherever it runs.
            if (System.getProperty("io.netty.leakDetection.level") == null
                    && System.getProperty("io.netty.leakDetectionLevel") == null) {
                ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            }
            // Keep the frames of the classes below out of the access records that a leak report shows.
            ResourceLeakDetector.addExclusions(RecordingDetector.class, "track", "trackForcibly");
            ResourceLeakDetector.addExclusions(CountingTracker.class, "record");
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
            // Allocating a buffer initialises AbstractByteBuf, which asks the installed factory for its detector.
            Unpooled.buffer(1).release();
            if (!BYTE_BUF_DETECTOR_CREATED.get()) {
                throw new IllegalStateException("Netty created its ByteBuf leak detector before "
                        + "midge-leak-detection could install a recording one (a buffer was allocated before the first test started, e.g. in a "
                        + "static initialiser run by another extension); leaks in this JVM would go unnoticed");
            }
            installed = true;
        }
    }

    /**
     * Makes the detectors report every buffer that became unreachable without being released, then takes the
     * reports.
     *
     * @param always also when every buffer tracked since the last call was released (after a test class, where a
     *               buffer that outlived an earlier check may since have been dropped unreleased)
     * @return the reports, oldest first; empty when there was no leak
     */
    static List<String> collectLeaks(boolean always) {
        AtomicInteger unreleased = unreleasedSinceCheck;
        unreleasedSinceCheck = new AtomicInteger();
        if (always || unreleased.get() > 0) {
            awaitCollectedReferencesEnqueued();
            pollDetectors();
        }
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        return leaks;
    }

    /**
     * Runs the GC and waits until the JVM has put the references it cleared onto their queues, where the leak
     * detectors look for them.
     *
     * <p>A GC clears the weak reference of an unreachable buffer at once, but the JVM's reference handler thread
     * enqueues the cleared references afterwards, one batch per GC, in order. When a sentinel cleared by a second GC
     * arrives on its queue, the whole batch of the first GC has been enqueued.
     */
    private static void awaitCollectedReferencesEnqueued() {
        for (int gc = 0; gc < 2; gc++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            System.gc();
            try {
                // Bounded: with -XX:+DisableExplicitGC the sentinel may never come.
                queue.remove(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                sentinel.clear();
            }
        }
    }

    /** A detector looks at its queue only when it tracks a new buffer: allocate some of every kind. */
    private static void pollDetectors() {
        ByteBufAllocator[] allocators = {
                ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT};
        for (ByteBufAllocator allocator : allocators) {
            release(allocator.heapBuffer(1));
            release(allocator.directBuffer(1));
        }
    }

    private static void release(ByteBuf buffer) {
        buffer.release();
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            if (resource == ByteBuf.class) {
                BYTE_BUF_DETECTOR_CREATED.set(true);
            }
            return new RecordingDetector<>(resource, samplingInterval);
        }

        @Override
        @Deprecated
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        public ResourceLeakTracker<T> track(T resource) {
            return counted(super.track(resource));
        }

        @Override
        public ResourceLeakTracker<T> trackForcibly(T resource) {
            return counted(super.trackForcibly(resource));
        }

        private static <T> ResourceLeakTracker<T> counted(ResourceLeakTracker<T> tracker) {
            if (tracker == null) {
                return null; // not sampled at this detection level
            }
            AtomicInteger unreleased = unreleasedSinceCheck;
            unreleased.incrementAndGet();
            return new CountingTracker<>(tracker, unreleased);
        }

        /** Netty skips reporting when its logger has errors disabled; a test must fail whatever the logging setup. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                    + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected "
                    + "(no records: run with -Dio.netty.leakDetection.level=paranoid to see where it was allocated)");
        }
    }

    /** Counts down when its buffer is released. */
    private static final class CountingTracker<T> implements ResourceLeakTracker<T> {

        private final ResourceLeakTracker<T> tracker;
        private final AtomicInteger unreleased;

        CountingTracker(ResourceLeakTracker<T> tracker, AtomicInteger unreleased) {
            this.tracker = tracker;
            this.unreleased = unreleased;
        }

        @Override
        public void record() {
            tracker.record();
        }

        @Override
        public void record(Object hint) {
            tracker.record(hint);
        }

        @Override
        public boolean close(T trackedObject) {
            boolean closed = tracker.close(trackedObject);
            if (closed) {
                unreleased.decrementAndGet();
            }
            return closed;
        }

        @Override
        public Throwable getCloseStackTraceIfAny() {
            return tracker.getCloseStackTraceIfAny();
        }
    }
}
