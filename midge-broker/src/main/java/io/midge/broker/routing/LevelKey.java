package io.midge.broker.routing;

/**
 * A lookup key for one level of a topic, read in place: matching looks up child nodes by level without cutting the
 * topic into substrings, which would allocate for every level of every publish.
 *
 * <p>It hashes like the String it stands for and equals any String with the same characters. That is enough for
 * {@link java.util.concurrent.ConcurrentHashMap#get}, which compares the key given to it with the stored keys by
 * {@code key.equals(k)} (as its contract states). Never stored in a map; reused by one thread.
 */
final class LevelKey {
    private String topic;
    private int start;
    private int length;
    private int hash;

    LevelKey at(String topic, int start, int end) {
        this.topic = topic;
        this.start = start;
        this.length = end - start;
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + topic.charAt(i); // String.hashCode over the region
        }
        this.hash = h;
        return this;
    }

    void clear() {
        topic = null;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof String level && level.length() == length
                && topic.regionMatches(start, level, 0, length);
    }

    @Override
    public String toString() {
        return topic.substring(start, start + length);
    }
}
