package io.midge.client;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The keep-alive of one connection: PINGREQ when nothing was written or nothing was read for a keep-alive period,
 * and the connection given up when nothing was read for one and a half. A timer checks a few times per period: cheaper on the publish
 * path than an idle handler, which would add a listener to every write. Confined to the connection's event loop.
 */
final class KeepAliveTimer {
    private long lastRead = System.nanoTime();
    private long lastWrite = lastRead;
    private ScheduledFuture<?> timer;

    /** Something was read from the broker. */
    void read() {
        lastRead = System.nanoTime();
    }

    /** Something was written to the broker. */
    void wrote() {
        lastWrite = System.nanoTime();
    }

    /**
     * @param ping sends PINGREQ
     * @param fail ends the connection with this timeout
     */
    void start(EventExecutor executor, int seconds, Runnable ping, Consumer<MqttClientException> fail) {
        long period = TimeUnit.SECONDS.toNanos(seconds);
        long check = Math.max(TimeUnit.MILLISECONDS.toNanos(250), period / 4);
        lastRead = lastWrite = System.nanoTime();
        timer = executor.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            if (now - lastRead > period + period / 2) {
                fail.accept(new MqttClientException(MqttClientException.Kind.TIMEOUT,
                        "keep-alive timeout: nothing from the broker for " + (seconds * 3 / 2) + " s"));
            } else if (now - lastWrite >= period - check || now - lastRead >= period - check) {
                // Also when only reading has stopped: a client that publishes at QoS 0 all the time writes, so
                // would never ping, and then hears nothing back and gives up a healthy connection. PINGRESP
                // proves the broker is there (a client may send PINGREQ at any time, MQTT 5.0 3.12).
                ping.run();
            }
        }, check, check, TimeUnit.NANOSECONDS);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
