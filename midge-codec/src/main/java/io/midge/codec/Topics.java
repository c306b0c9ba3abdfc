package io.midge.codec;

/**
 * The rules for topic names and topic filters (MQTT 5.0 section 4.7), shared by the decoder and the broker. A
 * topic name never holds a wildcard; in a filter {@code #} stands alone as the last level and {@code +} alone on its
 * level. A shared subscription is {@code $share/<name>/<filter>} with a non-empty name free of {@code / + #}.
 */
public final class Topics {
    public static final String SHARE_PREFIX = "$share/";

    private Topics() {
    }

    /** The reason a topic name is invalid, or null when it is fine. An empty name is the caller's rule to judge. */
    public static String topicNameProblem(String topic) {
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') {
                return "topic name '" + topic + "' contains the wildcard '" + c + "'";
            }
        }
        return null;
    }

    /** The reason a topic filter is invalid, or null when it is fine; {@code shared} allows $share/ filters. */
    public static String topicFilterProblem(String filter, boolean shared) {
        if (filter.isEmpty()) {
            return "topic filter is empty";
        }
        if (shared && filter.startsWith(SHARE_PREFIX)) {
            int slash = filter.indexOf('/', SHARE_PREFIX.length());
            String shareName = slash < 0 ? filter.substring(SHARE_PREFIX.length())
                    : filter.substring(SHARE_PREFIX.length(), slash);
            if (shareName.isEmpty()) {
                return "shared subscription '" + filter + "' has an empty share name";
            }
            if (shareName.indexOf('+') >= 0 || shareName.indexOf('#') >= 0) {
                return "share name '" + shareName + "' contains a wildcard";
            }
            if (slash < 0 || slash == filter.length() - 1) {
                return "shared subscription '" + filter + "' has no topic filter after the share name";
            }
            return topicFilterProblem(filter.substring(slash + 1), false);
        }
        int levelStart = 0;
        for (int i = 0; i <= filter.length(); i++) {
            if (i == filter.length() || filter.charAt(i) == '/') {
                int levelLength = i - levelStart;
                for (int k = levelStart; k < i; k++) {
                    char c = filter.charAt(k);
                    if (c == '#') {
                        if (levelLength != 1) {
                            return "'#' in '" + filter + "' does not stand alone on its level";
                        }
                        if (i != filter.length()) {
                            return "'#' in '" + filter + "' is not the last level";
                        }
                    } else if (c == '+' && levelLength != 1) {
                        return "'+' in '" + filter + "' does not stand alone on its level";
                    }
                }
                levelStart = i + 1;
            }
        }
        return null;
    }

    public static boolean isSharedFilter(String filter) {
        return filter.startsWith(SHARE_PREFIX);
    }
}
