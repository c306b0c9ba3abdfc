package io.midge.broker.security;

/**
 * Comparisons between topic filters and topics, level by level (arrays from splitting on {@code /}), following the
 * matching rules of MQTT 5.0 section 4.7: {@code +} matches one level, {@code #} the level it stands on and all below,
 * including none ({@code a/#} matches {@code a}), and a wildcard in the first level does not match a topic starting
 * with {@code $} (MQTT-4.7.2-1).
 */
final class TopicFilters {
    private TopicFilters() {
    }

    static String[] levels(String topicOrFilter) {
        return topicOrFilter.split("/", -1);
    }

    /** Whether the filter matches the topic name. */
    static boolean matches(String[] filter, String[] topic) {
        if (isWildcard(filter[0]) && topic[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; i < filter.length; i++) {
            if (filter[i].equals("#")) {
                return true;
            }
            if (i >= topic.length) {
                return false;
            }
            if (!filter[i].equals("+") && !filter[i].equals(topic[i])) {
                return false;
            }
        }
        return filter.length == topic.length;
    }

    /** Whether every topic the inner filter matches is matched by the outer one. */
    static boolean contains(String[] outer, String[] inner) {
        if (isWildcard(outer[0]) && !isWildcard(inner[0]) && inner[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (i < outer.length && outer[i].equals("#")) {
                return true;
            }
            if (i >= outer.length || i >= inner.length) {
                return outer.length == inner.length;
            }
            String o = outer[i];
            String n = inner[i];
            if (n.equals("#")) {
                return false;
            }
            if (n.equals("+")) {
                if (!o.equals("+")) {
                    return false;
                }
            } else if (!o.equals("+") && !o.equals(n)) {
                return false;
            }
        }
    }

    /** Whether some topic is matched by both filters. */
    static boolean intersects(String[] a, String[] b) {
        if (isWildcard(a[0]) && !isWildcard(b[0]) && b[0].startsWith("$")
                || isWildcard(b[0]) && !isWildcard(a[0]) && a[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (i < a.length && a[i].equals("#") || i < b.length && b[i].equals("#")) {
                return true;
            }
            if (i >= a.length || i >= b.length) {
                return a.length == b.length;
            }
            if (!a[i].equals("+") && !b[i].equals("+") && !a[i].equals(b[i])) {
                return false;
            }
        }
    }

    private static boolean isWildcard(String level) {
        return level.equals("+") || level.equals("#");
    }
}
