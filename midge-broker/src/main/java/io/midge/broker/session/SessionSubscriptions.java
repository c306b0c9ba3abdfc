package io.midge.broker.session;

import io.midge.broker.routing.SubscriptionOptions;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A session's subscriptions by filter, in the order they were made, read-only to everyone but the session (which
 * changes them through {@link #add} and {@link #delete}). Most devices hold one or two subscriptions, and a
 * LinkedHashMap with its table, entry and read-only view cost some 200 bytes for one: while there are at most
 * {@value #SMALL}, they are filter/options pairs in one array, searched in order; past that, a LinkedHashMap.
 */
final class SessionSubscriptions extends AbstractMap<String, SubscriptionOptions> {
    static final int SMALL = 8;

    /** filter, options, filter, options, ...: the first {@code 2 * size} slots; null once {@link #large}. */
    private Object[] pairs = new Object[2];
    private int size;
    private LinkedHashMap<String, SubscriptionOptions> large;

    /** Adds a subscription, or replaces the options of the one to the same filter (which keeps its place). */
    void add(String filter, SubscriptionOptions options) {
        if (large != null) {
            large.put(filter, options);
            return;
        }
        int i = indexOf(filter);
        if (i >= 0) {
            pairs[i + 1] = options;
            return;
        }
        if (size == SMALL) {
            large = new LinkedHashMap<>();
            for (int j = 0; j < 2 * size; j += 2) {
                large.put((String) pairs[j], (SubscriptionOptions) pairs[j + 1]);
            }
            large.put(filter, options);
            pairs = null;
            size = 0;
            return;
        }
        if (2 * size == pairs.length) {
            pairs = Arrays.copyOf(pairs, pairs.length * 2);
        }
        pairs[2 * size] = filter;
        pairs[2 * size + 1] = options;
        size++;
    }

    /** Removes the subscription to the filter; false when there was none. */
    boolean delete(String filter) {
        if (large != null) {
            return large.remove(filter) != null;
        }
        int i = indexOf(filter);
        if (i < 0) {
            return false;
        }
        System.arraycopy(pairs, i + 2, pairs, i, 2 * size - i - 2);
        size--;
        pairs[2 * size] = null;
        pairs[2 * size + 1] = null;
        return true;
    }

    private int indexOf(Object filter) {
        for (int i = 0; i < 2 * size; i += 2) {
            if (pairs[i].equals(filter)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public SubscriptionOptions get(Object filter) {
        if (large != null) {
            return large.get(filter);
        }
        int i = indexOf(filter);
        return i < 0 ? null : (SubscriptionOptions) pairs[i + 1];
    }

    @Override
    public boolean containsKey(Object filter) {
        return large != null ? large.containsKey(filter) : indexOf(filter) >= 0;
    }

    @Override
    public int size() {
        return large != null ? large.size() : size;
    }

    @Override
    public Set<Entry<String, SubscriptionOptions>> entrySet() {
        if (large != null) {
            return Collections.unmodifiableMap(large).entrySet();
        }
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, SubscriptionOptions>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < 2 * size;
                    }

                    @Override
                    public Entry<String, SubscriptionOptions> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, SubscriptionOptions> e =
                                Map.entry((String) pairs[next], (SubscriptionOptions) pairs[next + 1]);
                        next += 2;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
