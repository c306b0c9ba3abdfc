package io.midge.leakdetection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;

import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

class LeakDetectionExtensionTest {

    /** Allocators a test is likely to use, and the kind of buffer taken from each. */
    enum Allocation {
        DEFAULT_HEAP(() -> ByteBufAllocator.DEFAULT.heapBuffer(16)),
        DEFAULT_DIRECT(() -> ByteBufAllocator.DEFAULT.directBuffer(16)),
        DEFAULT_COMPOSITE(() -> ByteBufAllocator.DEFAULT.compositeBuffer()),
        POOLED_HEAP(() -> PooledByteBufAllocator.DEFAULT.heapBuffer(16)),
        POOLED_DIRECT(() -> PooledByteBufAllocator.DEFAULT.directBuffer(16)),
        UNPOOLED_DIRECT(() -> Unpooled.directBuffer(16));

        final Supplier<ByteBuf> allocate;

        Allocation(Supplier<ByteBuf> allocate) {
            this.allocate = allocate;
        }
    }

    @ParameterizedTest
    @EnumSource
    void reportsABufferThatWasNeverReleased(Allocation allocation) {
        // A hint unique to this run: Netty reports records it has seen before only once per JVM.
        String hint = "leaked on purpose " + UUID.randomUUID();
        leak(allocation.allocate.get(), hint);

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, LeakDetectionExtension::assertNoLeaks);

        assertTrue(failure.getMessage().contains("LEAK: ByteBuf.release() was not called"), failure.getMessage());
        assertTrue(failure.getMessage().contains(hint), failure.getMessage());
        // The reported leak is consumed, so it fails this test only, and the build stays green.
        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    /**
     * Netty does not track unpooled heap buffers ({@code Unpooled.buffer()}, {@code wrappedBuffer(byte[])}, ...)
     * nor {@code Unpooled.compositeBuffer()}: the GC reclaims them whether released or not. A test that wants its
     * buffers checked takes them from {@code ByteBufAllocator.DEFAULT} instead.
     */
    @Test
    void cannotReportBuffersNettyDoesNotTrack() {
        leak(Unpooled.buffer(16), "not tracked by Netty");
        leak(Unpooled.compositeBuffer(), "not tracked by Netty");

        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    @Test
    void passesWhenEveryBufferIsReleased() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(16);
        buffer.writeInt(42);
        buffer.retainedSlice().release();
        buffer.release();

        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    /**
     * Runs {@link LeakingTests} the way Maven does, with configuration read from the classpath: the extension must be
     * registered without {@code @ExtendWith}, by this module's jar, with its own service file and junit-platform.properties.
     */
    @Test
    void failsALeakingTestOfAClassThatDidNotAskForIt() {
        Events tests = runExample(LeakingTests.class).testEvents();

        assertEquals(2, tests.started().count());
        assertEquals(1, tests.succeeded().count(), "the test that releases its buffer passes");
        Throwable failure = failureOf(tests.failed().stream().findFirst().orElseThrow());
        assertAll(
                () -> assertInstanceOf(AssertionFailedError.class, failure),
                () -> assertTrue(failure.getMessage().contains("after LeakingTests > leaksABuffer()"),
                        failure.getMessage()),
                () -> assertTrue(failure.getMessage().contains(LeakingTests.HINT), failure.getMessage()));
        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    /** A test that released all its buffers skips the GC; the check after the class still finds older leaks. */
    @Test
    void failsTheClassWhenABufferThatOutlivedItsTestIsDroppedLater() {
        EngineExecutionResults results = runExample(HeldThenDroppedTests.class);

        assertEquals(2, results.testEvents().succeeded().count());
        Throwable failure = failureOf(results.containerEvents().failed().stream().findFirst().orElseThrow());
        assertAll(
                () -> assertTrue(failure.getMessage().contains("after all tests of HeldThenDroppedTests"),
                        failure.getMessage()),
                () -> assertTrue(failure.getMessage().contains(HeldThenDroppedTests.HINT), failure.getMessage()));
        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    private static volatile boolean runningExample;

    static boolean runningExample() {
        return runningExample;
    }

    private static EngineExecutionResults runExample(Class<?> testClass) {
        runningExample = true;
        try {
            return EngineTestKit.engine("junit-jupiter")
                    .enableImplicitConfigurationParameters(true)
                    .selectors(selectClass(testClass))
                    .execute();
        } finally {
            runningExample = false;
        }
    }

    private static Throwable failureOf(Event finished) {
        return finished.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    /** Touches the buffer with a hint, so that the leak report can be recognised, and drops it. */
    private static void leak(ByteBuf buffer, String hint) {
        buffer.touch(hint).writeLong(7);
    }

    /** Run only by {@link #failsALeakingTestOfAClassThatDidNotAskForIt()}. */
    @EnabledIf("io.midge.leakdetection.LeakDetectionExtensionTest#runningExample")
    static class LeakingTests {

        static final String HINT = "leaked by LeakingTests " + UUID.randomUUID();

        @Test
        void leaksABuffer() {
            leak(Unpooled.directBuffer(8), HINT);
        }

        @Test
        void releasesItsBuffer() {
            Unpooled.directBuffer(8).release();
        }
    }

    /** Run only by {@link #failsTheClassWhenABufferThatOutlivedItsTestIsDroppedLater()}. */
    @EnabledIf("io.midge.leakdetection.LeakDetectionExtensionTest#runningExample")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class HeldThenDroppedTests {

        static final String HINT = "held, then dropped by HeldThenDroppedTests " + UUID.randomUUID();
        private static ByteBuf held;

        @Test
        @Order(1)
        void holdsABufferBeyondTheTest() {
            held = ByteBufAllocator.DEFAULT.directBuffer(8).touch(HINT);
        }

        @Test
        @Order(2)
        void dropsItWithoutReleasingIt() {
            held = null;
        }
    }
}
