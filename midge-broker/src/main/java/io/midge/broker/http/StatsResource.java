package io.midge.broker.http;

import io.micrometer.core.instrument.Timer;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.sys.BrokerVersion;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /api/v1/stats}, and each {@code stats} event: the broker's figures, read from the counters, the
 * sessions and the router. One reading is kept for a moment and shared by every request and event stream in it.
 * Requests run on the broker's loops: none waits for another's reading (two may read at once, rarely); only the
 * rates' few samples are locked, for a few operations.
 */
final class StatsResource {
    /** How long one reading is served to everyone who asks. */
    private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** The window the rates are averaged over. */
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ApiContext api;
    private final String version = BrokerVersion.number();
    /** Samples for the rates: {nanos, received, sent, bytes in, bytes out}; guarded by itself. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private final AtomicReference<Reading> last = new AtomicReference<>();

    private record Reading(long atNanos, byte[] json) {
    }

    StatsResource(ApiContext api) {
        this.api = api;
    }

    ApiResponse get(ApiRequest request) {
        return ApiResponse.raw(ApiResponse.JSON, json());
    }

    /** The figures as JSON, read now or a moment ago. */
    byte[] json() {
        long now = System.nanoTime();
        Reading reading = last.get();
        if (reading != null && now - reading.atNanos() < FRESH_NANOS) {
            return reading.json();
        }
        byte[] json = Json.bytes(read(now));
        last.set(new Reading(now, json));
        return json;
    }

    private Map<String, Object> read(long now) {
        BrokerContext b = api.broker();
        BrokerMetrics m = b.metrics();
        int total = b.sessions().size();
        int connected = Math.min(b.sessions().connectedCount(), total);
        long queued = Math.max(0, m.queuedMessages.sum());
        long received = m.messagesReceived();
        long sent = m.messagesSent();
        long bytesIn = m.bytesReceived.sum();
        long bytesOut = m.bytesSent.sum();

        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        stats.put("version", version);
        stats.put("node", null);
        stats.put("uptimeSeconds", TimeUnit.NANOSECONDS.toSeconds(now - api.startedNanos()));
        stats.put("connections", b.limits().openConnections());
        stats.put("sessions", ordered("connected", connected, "offline", total - connected));
        stats.put("subscriptions", b.router().topicTree().subscriptionCount());
        stats.put("retainedMessages", b.router().retained().size());
        stats.put("queuedMessages", queued);
        Map<String, Object> dropped = dropped(m);
        long droppedTotal = 0;
        for (Object v : dropped.values()) {
            droppedTotal += (Long) v;
        }
        stats.put("messages", ordered("received", received, "sent", sent, "dropped", droppedTotal));
        stats.put("bytes", ordered("received", bytesIn, "sent", bytesOut));
        stats.put("rates", rates(now, received, sent, bytesIn, bytesOut));
        stats.put("dropped", dropped);
        stats.put("store", store());
        Runtime runtime = Runtime.getRuntime();
        stats.put("heap", ordered("used", runtime.totalMemory() - runtime.freeMemory(), "max", runtime.maxMemory()));
        return stats;
    }

    /** Each drop reason once: the adders behind /metrics' midge_messages_dropped_total, summed where two mean one. */
    private static Map<String, Object> dropped(BrokerMetrics m) {
        return ordered("queueFull", m.droppedQueueFull.sum(), "expired", m.droppedExpired.sum(),
                "tooLarge", m.droppedTooLarge.sum(),
                "notAuthorized", m.publishesDenied.sum() + m.deliveriesWithheld.sum(),
                "noSubscribers", m.droppedNoSubscribers.sum(), "offline", m.droppedOffline.sum(),
                "overload", m.droppedOverload.sum());
    }

    private Map<String, Object> store() {
        Timer commits = api.meters() == null ? null
                : api.meters().registry().find("midge.store.commit").timer();
        if (commits == null) {
            return ordered("commits", 0L, "commitSecondsSum", 0.0, "commitSecondsMax", 0.0);
        }
        return ordered("commits", commits.count(), "commitSecondsSum", commits.totalTime(TimeUnit.SECONDS),
                "commitSecondsMax", commits.max(TimeUnit.SECONDS));
    }

    /**
     * Per second over the last few seconds: the oldest sample within the window against now. A sample is kept at
     * most once a second, so the window holds a handful.
     */
    private Map<String, Object> rates(long now, long received, long sent, long bytesIn, long bytesOut) {
        long[] current = {now, received, sent, bytesIn, bytesOut};
        long[] oldest;
        synchronized (samples) {
            oldest = sample(current);
        }
        double seconds = (now - oldest[0]) / 1e9;
        return ordered("messagesReceived", rate(received - oldest[1], seconds),
                "messagesSent", rate(sent - oldest[2], seconds),
                "bytesReceived", rate(bytesIn - oldest[3], seconds),
                "bytesSent", rate(bytesOut - oldest[4], seconds));
    }

    /** Keeps a sample at most once a second within the window; returns the oldest one to compare with. */
    private long[] sample(long[] current) {
        long now = current[0];
        while (samples.size() > 1 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
            samples.pollFirst();
        }
        long[] oldest = samples.isEmpty() ? current : samples.peekFirst();
        if (samples.isEmpty() || now - samples.peekLast()[0] >= TimeUnit.SECONDS.toNanos(1)) {
            samples.addLast(current);
        }
        return oldest;
    }

    private static double rate(long delta, double seconds) {
        return seconds <= 0 ? 0.0 : Math.round(delta / seconds * 100) / 100.0;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
