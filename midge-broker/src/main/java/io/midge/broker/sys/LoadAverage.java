package io.midge.broker.sys;

/**
 * How fast one counter grows, per minute, averaged over the last 1, 5 and 15 minutes the way Unix load averages
 * are: each interval's rate pulls an average towards it by the share of the average's window that the interval
 * took, so older intervals fade away exponentially. Mosquitto's {@code $SYS/broker/load/...} figures behave so, and
 * users compare the two brokers' figures. Not thread-safe: one publisher's loop owns it.
 */
final class LoadAverage {
    /** The windows, in minutes, in the order of {@link #perMinute(int)}. */
    static final int[] WINDOWS = {1, 5, 15};

    private final double[] averages = new double[WINDOWS.length];
    private long lastCount;

    LoadAverage(long count) {
        this.lastCount = count;
    }

    /** Takes the counter's value {@code seconds} after the previous one. */
    void update(long count, double seconds) {
        long delta = count - lastCount;
        lastCount = count;
        if (seconds <= 0) {
            return;
        }
        double rate = delta * 60.0 / seconds;
        for (int i = 0; i < WINDOWS.length; i++) {
            double kept = Math.exp(-seconds / (60.0 * WINDOWS[i]));
            averages[i] = averages[i] * kept + rate * (1 - kept);
        }
    }

    /** The average per-minute rate over the window {@code WINDOWS[window]}. */
    double perMinute(int window) {
        return averages[window];
    }
}
