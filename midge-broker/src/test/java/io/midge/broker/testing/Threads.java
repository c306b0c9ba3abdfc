package io.midge.broker.testing;

/**
 * Started threads for tests, in one line, since the code stays on Java 17 (no {@code Thread.ofPlatform()} or virtual
 * threads). Daemon threads are for helpers a failing test may leave blocked, so that they cannot keep the JVM alive.
 */
public final class Threads {
    private Threads() {
    }

    /** A started platform thread running {@code task}. */
    public static Thread start(Runnable task) {
        Thread thread = new Thread(task);
        thread.start();
        return thread;
    }

    /** A started daemon thread running {@code task}; {@code Threads::startDaemon} serves as an Executor. */
    public static Thread startDaemon(Runnable task) {
        Thread thread = new Thread(task);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
