package io.midge.broker.link;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which failures to log as a warning: each distinct failure once a minute. A link to another broker is tried again
 * every second, and a misconfigured peer would otherwise fill the log. At most 1,000 failures are remembered.
 */
public final class WarnOncePerMinute {
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<String, Long> warned = new ConcurrentHashMap<>();

    /** Whether this failure was not warned of in the last minute (and is now counted as warned). */
    public boolean first(String failure) {
        long now = System.nanoTime();
        Long last = warned.get(failure);
        if (last != null && now - last < EVERY_NANOS) {
            return false;
        }
        if (warned.size() > 1_000) {
            warned.clear();
        }
        warned.put(failure, now);
        return true;
    }
}
