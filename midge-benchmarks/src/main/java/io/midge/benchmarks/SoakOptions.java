package io.midge.benchmarks;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The knobs of {@link SoakLoad}, each {@code --name value} on its command line. The defaults are modest on purpose:
 * a soak looks for what grows over time (heap, files, store, threads), not for throughput, so the machine must stay
 * far from saturated for the whole run.
 *
 * @param host            the broker's address
 * @param port            its MQTT port
 * @param durationSeconds how long the load runs (then it drains and checks)
 * @param reportSeconds   one report line every so many seconds
 * @param publishers      steady publishers per QoS (0, 1 and 2), each on a topic of its own
 * @param subscribers     steady subscribers per QoS, each to every publisher of its QoS
 * @param rate            messages per second of each steady publisher
 * @param payloadBytes    payload size of the numbered messages (at least 8: the sequence number)
 * @param churnRate       short-lived connections per second (connect, subscribe, unsubscribe, disconnect)
 * @param willEvery       every n-th churn connection carries a will and drops its TCP connection without DISCONNECT
 * @param sessions        persistent sessions (Session Expiry Interval > 0) that go offline and come back
 * @param sessionRate     QoS 1 messages per second published to the persistent sessions' topic
 * @param onlineSeconds   how long a persistent session stays connected in each cycle
 * @param offlineSeconds  how long it stays away
 * @param sessionExpiry   the sessions' Session Expiry Interval, seconds (must exceed the offline time)
 * @param retainedTopics  topics whose retained message is set, overwritten and cleared in turn
 * @param retainedRate    retained changes per second (one topic after the other)
 * @param retainedChecks  new subscribers per second checking that a topic's retained message is the current one
 * @param graceSeconds    how long a gap in a sequence (or a will not arrived) may wait before it counts as lost
 * @param drainSeconds    at the end, how long to wait for every acknowledged message to arrive
 */
record SoakOptions(String host, int port, long durationSeconds, long reportSeconds, int publishers, int subscribers,
                   double rate, int payloadBytes, double churnRate, int willEvery, int sessions, double sessionRate,
                   long onlineSeconds, long offlineSeconds, long sessionExpiry, int retainedTopics,
                   double retainedRate, double retainedChecks, long graceSeconds, long drainSeconds) {

    private static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("host", "127.0.0.1");
        d.put("port", "1883");
        d.put("duration", "1800");
        d.put("report", "60");
        d.put("publishers", "2");
        d.put("subscribers", "2");
        d.put("rate", "10");
        d.put("payload", "64");
        d.put("churn-rate", "1");
        d.put("will-every", "4");
        d.put("sessions", "4");
        d.put("session-rate", "5");
        d.put("online", "20");
        d.put("offline", "20");
        d.put("session-expiry", "600");
        d.put("retained-topics", "20");
        d.put("retained-rate", "2");
        d.put("retained-checks", "1");
        d.put("grace", "10");
        d.put("drain", "60");
        return d;
    }

    /** Reads {@code --name value} pairs over the defaults; throws IllegalArgumentException naming what is wrong. */
    static SoakOptions parse(String[] args) {
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !v.containsKey(name)) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            v.put(name, args[++i]);
        }
        SoakOptions o = new SoakOptions(v.get("host"), integer(v, "port"), integer(v, "duration"),
                integer(v, "report"), integer(v, "publishers"), integer(v, "subscribers"), number(v, "rate"),
                integer(v, "payload"), number(v, "churn-rate"), integer(v, "will-every"), integer(v, "sessions"),
                number(v, "session-rate"), integer(v, "online"), integer(v, "offline"),
                integer(v, "session-expiry"), integer(v, "retained-topics"), number(v, "retained-rate"),
                number(v, "retained-checks"), integer(v, "grace"), integer(v, "drain"));
        if (o.payloadBytes < 8) {
            throw new IllegalArgumentException("--payload must be at least 8 (the sequence number)");
        }
        if (o.sessions > 0 && o.sessionExpiry <= o.offlineSeconds) {
            throw new IllegalArgumentException("--session-expiry must exceed --offline, or the sessions end away");
        }
        if (o.reportSeconds < 1 || o.durationSeconds < 1) {
            throw new IllegalArgumentException("--duration and --report must be at least 1 second");
        }
        return o;
    }

    /** The options and their defaults, for the usage message. */
    static String usage() {
        StringBuilder b = new StringBuilder("usage: SoakLoad");
        DEFAULTS.forEach((k, d) -> b.append(" [--").append(k).append(' ').append(d).append(']'));
        return b.toString();
    }

    private static int integer(Map<String, String> v, String name) {
        try {
            int n = Integer.parseInt(v.get(name));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number >= 0, not '" + v.get(name) + "'");
        }
    }

    private static double number(Map<String, String> v, String name) {
        try {
            double d = Double.parseDouble(v.get(name));
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number >= 0, not '" + v.get(name) + "'");
        }
    }

    /** The period of something done {@code perSecond} times a second, in microseconds (0: not at all). */
    static long periodMicros(double perSecond) {
        return perSecond <= 0 ? 0 : Math.max(1, Math.round(1_000_000 / perSecond));
    }

    /** The options as one line, for the log. */
    String describe() {
        return String.format(Locale.ROOT, "SOAK-LOAD options: broker %s:%d, %d s, report every %d s; steady %d pub + "
                        + "%d sub per QoS at %.1f msg/s, %d B; churn %.1f/s (every %d-th drops with a will); "
                        + "%d persistent sessions at %.1f msg/s, %d s on / %d s off; %d retained topics, %.1f "
                        + "changes/s, %.1f checks/s",
                host, port, durationSeconds, reportSeconds, publishers, subscribers, rate, payloadBytes, churnRate,
                willEvery, sessions, sessionRate, onlineSeconds, offlineSeconds, retainedTopics, retainedRate,
                retainedChecks);
    }
}
