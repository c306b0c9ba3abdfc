package io.midge.leakdetection;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test when a Netty {@code ByteBuf} it allocated was garbage-collected without being released.
 *
 * <p>Registered for every test of a module that has midge-leak-detection on its test classpath (directly, as
 * midge-codec has, or through midge-testkit, as every other module has): the jar lists this class in
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and turns on
 * {@code junit.jupiter.extensions.autodetection.enabled} in its {@code junit-platform.properties}.
 *
 * <p>After each test (and again after each test class) it runs the GC, makes Netty's leak detector look for buffers
 * the GC found unreleased, and fails with the detector's records: with {@code -Dio.netty.leakDetection.level=paranoid}
 * they say where the buffer was allocated and last touched. A leak is reported after the test during which its
 * buffer became unreachable, which is nearly always the test that leaked it.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    /** Installed in the static initialiser, which runs before any test class: Netty must not allocate first. */
    private static final RuntimeException INSTALL_FAILURE = install();

    /** Called by JUnit's service loader. */
    public LeakDetectionExtension() {
    }

    private static RuntimeException install() {
        try {
            LeakRecorder.install();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /**
     * Fails when a buffer was leaked since the last check, here or after the previous test; the leaks it reports are
     * forgotten, so that they fail one test only.
     *
     * @throws org.opentest4j.AssertionFailedError listing every leak found
     */
    public static void assertNoLeaks() {
        assertNoLeaks("", true);
    }

    /**
     * Like {@link #assertNoLeaks()}, but without the GC when every buffer tracked since the last check was released:
     * cheap enough to run after each input of a fuzz test, which then fails on the very input that leaked.
     *
     * @throws org.opentest4j.AssertionFailedError listing every leak found
     */
    public static void assertNoLeaksSinceLastCheck() {
        assertNoLeaks("", false);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (INSTALL_FAILURE != null) {
            throw new ExtensionConfigurationException(INSTALL_FAILURE.getMessage(), INSTALL_FAILURE);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks(" after " + context.getRequiredTestClass().getSimpleName() + " > " + context.getDisplayName(),
                false);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks(" after all tests of " + context.getRequiredTestClass().getSimpleName(), true);
    }

    private static void assertNoLeaks(String where, boolean always) {
        if (INSTALL_FAILURE != null) {
            throw new ExtensionConfigurationException(INSTALL_FAILURE.getMessage(), INSTALL_FAILURE);
        }
        List<String> leaks = LeakRecorder.collectLeaks(always);
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " Netty buffer leak(s) detected" + where + ":\n\n" + String.join("\n\n", leaks));
        }
    }
}
