package io.midge.broker.routing;

/**
 * What a topic filter matches, by the rules of MQTT 5.0 section 4.7: {@code +} matches exactly one level, {@code #}
 * the level it stands on and every level below, including none ({@code a/#} matches {@code a}), and a wildcard in
 * the first level does not match a topic name starting with {@code $} (MQTT-4.7.2-1). Levels are compared as they
 * are, empty ones included, case and all.
 *
 * <p>The one place these rules are written for a single filter and topic, for whoever holds filters outside the
 * tries (the ACL). {@link TopicTree} and {@link RetainedStore} apply the same rules while walking their tries, as
 * matching one by one would be too slow there; they take the {@code $} rule from here, and the tests hold all three
 * to one table. Filters are assumed valid, not shared ({@code $share/} already stripped); nothing here allocates.
 */
public final class TopicFilters {
    private TopicFilters() {
    }

    /** Whether the filter matches the topic name. */
    public static boolean matches(String filter, String topic) {
        if (startsWithWildcard(filter) && isSystemTopic(topic)) {
            return false;
        }
        // f and t: where the current level of each starts, -1 once it has no more levels.
        int f = 0;
        int t = 0;
        while (f >= 0) {
            int fEnd = TrieNode.levelEnd(filter, f);
            if (isWildcard(filter, f, fEnd, '#')) {
                return true;
            }
            if (t < 0) {
                return false;
            }
            int tEnd = TrieNode.levelEnd(topic, t);
            if (!isWildcard(filter, f, fEnd, '+') && !sameLevel(filter, f, fEnd, topic, t, tEnd)) {
                return false;
            }
            f = next(filter, fEnd);
            t = next(topic, tEnd);
        }
        return t < 0;
    }

    /** Whether every topic name the inner filter matches is matched by the outer one. */
    public static boolean covers(String outer, String inner) {
        if (startsWithWildcard(outer) && !startsWithWildcard(inner) && isSystemTopic(inner)) {
            return false;
        }
        int o = 0;
        int i = 0;
        for (;;) {
            int oEnd = o < 0 ? -1 : TrieNode.levelEnd(outer, o);
            if (o >= 0 && isWildcard(outer, o, oEnd, '#')) {
                return true;
            }
            if (o < 0 || i < 0) {
                return o < 0 && i < 0;
            }
            int iEnd = TrieNode.levelEnd(inner, i);
            boolean outerPlus = isWildcard(outer, o, oEnd, '+');
            if (isWildcard(inner, i, iEnd, '#')) {
                // '#' also matches the topic that ends above it, which the outer filter, with a level here, misses.
                return false;
            }
            if (isWildcard(inner, i, iEnd, '+') ? !outerPlus
                    : !outerPlus && !sameLevel(outer, o, oEnd, inner, i, iEnd)) {
                return false;
            }
            o = next(outer, oEnd);
            i = next(inner, iEnd);
        }
    }

    /** Whether some topic name is matched by both filters. */
    public static boolean overlap(String a, String b) {
        if (startsWithWildcard(a) && !startsWithWildcard(b) && isSystemTopic(b)
                || startsWithWildcard(b) && !startsWithWildcard(a) && isSystemTopic(a)) {
            return false;
        }
        int x = 0;
        int y = 0;
        for (;;) {
            int xEnd = x < 0 ? -1 : TrieNode.levelEnd(a, x);
            int yEnd = y < 0 ? -1 : TrieNode.levelEnd(b, y);
            if (x >= 0 && isWildcard(a, x, xEnd, '#') || y >= 0 && isWildcard(b, y, yEnd, '#')) {
                return true;
            }
            if (x < 0 || y < 0) {
                return x < 0 && y < 0;
            }
            if (!isWildcard(a, x, xEnd, '+') && !isWildcard(b, y, yEnd, '+') && !sameLevel(a, x, xEnd, b, y, yEnd)) {
                return false;
            }
            x = next(a, xEnd);
            y = next(b, yEnd);
        }
    }

    /** Whether a topic (or its first level) starts with '$', where first-level wildcards do not reach. */
    static boolean isSystemTopic(String topic) {
        return !topic.isEmpty() && topic.charAt(0) == '$';
    }

    private static boolean startsWithWildcard(String filter) {
        int end = TrieNode.levelEnd(filter, 0);
        return isWildcard(filter, 0, end, '+') || isWildcard(filter, 0, end, '#');
    }

    private static boolean isWildcard(String filter, int start, int end, char wildcard) {
        return end - start == 1 && filter.charAt(start) == wildcard;
    }

    private static boolean sameLevel(String a, int aStart, int aEnd, String b, int bStart, int bEnd) {
        return aEnd - aStart == bEnd - bStart && a.regionMatches(aStart, b, bStart, aEnd - aStart);
    }

    /** Where the level after the one ending at {@code end} starts, or -1 when that was the last one. */
    private static int next(String path, int end) {
        return end < path.length() ? end + 1 : -1;
    }
}
