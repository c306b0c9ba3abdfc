package io.midge.broker.transport;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at a TLS listener's certificate, key and CA files every few seconds and reloads them when they changed, so
 * that a renewed certificate (certbot, cert-manager) is served without a restart. Polling rather than a
 * WatchService: it sees files replaced through symbolic links and on network file systems alike, and reading a
 * few kilobytes every few seconds costs nothing. Runs on a thread of its own: file reads never block an event loop.
 */
public final class CertificateWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

    /** How often the files are read; {@code -Dmidge.tls.reload-interval-ms} changes it (tests). */
    static final Duration INTERVAL = Duration.ofMillis(Long.getLong("midge.tls.reload-interval-ms", 2000));

    private final ScheduledExecutorService executor;

    public CertificateWatcher(String listener, ReloadingSslContext context) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "midge-tls-watch-" + listener);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                context.reloadIfChanged();
            } catch (RuntimeException | Error e) {
                log.error("Listener '{}': checking the TLS files for changes failed", listener, e);
            }
        }, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
