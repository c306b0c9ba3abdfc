package io.midge.broker.sys;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Router;
import io.midge.broker.session.SessionRegistry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The figures published under {@code $SYS/broker/}, by the names Mosquitto uses, read from the broker's counters,
 * sessions and router. Each {@link #read} is one interval: it also moves the load averages. Not thread-safe: the
 * publisher's loop owns it.
 */
final class BrokerStatus {
    static final String PREFIX = "$SYS/broker/";

    private final SessionRegistry sessions;
    private final Router router;
    private final BrokerMetrics metrics;
    private final String version = BrokerVersion.text();
    /** This node's identifier in a cluster, null for a broker on its own. */
    private final String node;
    private final long startedNanos;
    private long lastReadNanos;
    private int maximumConnected;
    private final LoadAverage received;
    private final LoadAverage sent;
    private final LoadAverage bytesReceived;
    private final LoadAverage bytesSent;

    BrokerStatus(SessionRegistry sessions, Router router, BrokerMetrics metrics, long nowNanos) {
        this(sessions, router, metrics, nowNanos, null);
    }

    BrokerStatus(SessionRegistry sessions, Router router, BrokerMetrics metrics, long nowNanos, String node) {
        this.node = node;
        this.sessions = sessions;
        this.router = router;
        this.metrics = metrics;
        this.startedNanos = nowNanos;
        this.lastReadNanos = nowNanos;
        this.received = new LoadAverage(metrics.messagesReceived());
        this.sent = new LoadAverage(metrics.messagesSent());
        this.bytesReceived = new LoadAverage(metrics.bytesReceived.sum());
        this.bytesSent = new LoadAverage(metrics.bytesSent.sum());
    }

    /** Every topic (without {@link #PREFIX}) and its payload now, in a stable order. */
    Map<String, String> read(long nowNanos) {
        double seconds = (nowNanos - lastReadNanos) / 1e9;
        lastReadNanos = nowNanos;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("version", version);
        if (node != null) {
            values.put("node", node);
        }
        values.put("uptime", Long.toString(TimeUnit.NANOSECONDS.toSeconds(nowNanos - startedNanos)));
        clients(values);
        long messagesReceived = metrics.messagesReceived();
        long messagesSent = metrics.messagesSent();
        long bytesIn = metrics.bytesReceived.sum();
        long bytesOut = metrics.bytesSent.sum();
        values.put("messages/received", Long.toString(messagesReceived));
        values.put("messages/sent", Long.toString(messagesSent));
        values.put("publish/messages/dropped", Long.toString(metrics.droppedQueueFull.sum()
                + metrics.droppedExpired.sum() + metrics.droppedTooLarge.sum() + metrics.droppedOffline.sum()
                + metrics.droppedOverload.sum()));
        values.put("bytes/received", Long.toString(bytesIn));
        values.put("bytes/sent", Long.toString(bytesOut));
        values.put("subscriptions/count", Integer.toString(router.topicTree().subscriptionCount()));
        values.put("retained messages/count", Integer.toString(router.retained().size()));
        Runtime runtime = Runtime.getRuntime();
        values.put("heap/current", Long.toString(runtime.totalMemory() - runtime.freeMemory()));
        received.update(messagesReceived, seconds);
        sent.update(messagesSent, seconds);
        bytesReceived.update(bytesIn, seconds);
        bytesSent.update(bytesOut, seconds);
        load(values, "messages/received", received);
        load(values, "messages/sent", sent);
        load(values, "bytes/received", bytesReceived);
        load(values, "bytes/sent", bytesSent);
        return values;
    }

    /** Connected clients are the sessions with a connection; the others are kept for clients that will come back. */
    private void clients(Map<String, String> values) {
        int total = sessions.size();
        int connected = Math.min(sessions.connectedCount(), total); // sessions may come and go between the two
        maximumConnected = Math.max(maximumConnected, connected);
        values.put("clients/connected", Integer.toString(connected));
        values.put("clients/disconnected", Integer.toString(total - connected));
        values.put("clients/total", Integer.toString(total));
        values.put("clients/maximum", Integer.toString(maximumConnected));
    }

    private static void load(Map<String, String> values, String what, LoadAverage average) {
        for (int i = 0; i < LoadAverage.WINDOWS.length; i++) {
            values.put("load/" + what + "/" + LoadAverage.WINDOWS[i] + "min",
                    String.format(Locale.ROOT, "%.2f", average.perMinute(i)));
        }
    }
}
