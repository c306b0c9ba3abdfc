package io.midge.broker.routing;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A node of a trie keyed by topic levels: the shape shared by the subscription index ({@link TopicTree}) and the
 * retained messages ({@link RetainedStore}). A node holds a payload (subscriptions, a message) and its children.
 *
 * <p>Readers walk the trie without any lock: children live in concurrent maps and payloads in volatile fields that
 * are replaced, never mutated in place. Writers take node monitors briefly, by three rules:
 * <ul>
 *   <li>adding a child holds the parent's monitor and is refused when the parent is dead;</li>
 *   <li>changing a payload holds the node's monitor and is refused when the node is dead;</li>
 *   <li>pruning holds the parent's monitor, then the node's, and marks an empty node dead before detaching it.</li>
 * </ul>
 * A dead node stays empty forever, so a writer that reached one through a stale read starts again from the root and
 * never loses its update in a detached branch. Writers on different branches never wait for each other, and
 * monitors are only ever taken parent before child, so there is no deadlock. Plain monitors rather than a
 * {@code ReentrantLock} per node keep a million-node trie small.
 */
abstract class TrieNode<N extends TrieNode<N>> {
    final N parent;
    final String level;

    // The fields and methods below are package-private only because the static protocol methods reach them
    // through the type variable N, which sees no private members; nothing outside this class touches them.

    /** Null while there are no children, so leaves (most nodes) carry no map. Replaced under this monitor. */
    volatile ConcurrentHashMap<String, N> children;
    boolean dead; // guarded by this

    TrieNode(N parent, String level) {
        this.parent = parent;
        this.level = level;
    }

    /** A new child of this node; called with this monitor held. */
    abstract N newChild(String level);

    /** Whether this node holds subscriptions or a message; called with this monitor held. */
    abstract boolean hasPayload();

    /** Called with this monitor held after a child was added, for subclasses that index some children apart. */
    void childAdded(N child) {
    }

    /** Called with this monitor held after a child was detached. */
    void childRemoved(N child) {
    }

    /**
     * The child for a level, or null; lock-free. The key is the level as a String or a {@link LevelKey} over a
     * region of a topic (ConcurrentHashMap compares with {@code key.equals(storedKey)}, as its contract says).
     */
    final N child(Object key) {
        ConcurrentHashMap<String, N> map = children;
        return map == null ? null : map.get(key);
    }

    /** The children as they are now, or null when there are none; for lock-free iteration. */
    final ConcurrentHashMap<String, N> children() {
        return children;
    }

    /** The end of the level starting at {@code start}: the next '/' or the end of the path. */
    static int levelEnd(String path, int start) {
        int slash = path.indexOf('/', start);
        return slash < 0 ? path.length() : slash;
    }

    /** The node for a path of levels, or null; lock-free, so it may return a node that is being pruned. */
    static <N extends TrieNode<N>> N find(N root, String path) {
        N node = root;
        int start = 0;
        while (node != null) {
            int end = levelEnd(path, start);
            node = node.child(path.substring(start, end));
            if (end == path.length()) {
                return node;
            }
            start = end + 1;
        }
        return null;
    }

    /**
     * Runs {@code action} on the node for {@code path} with its monitor held, creating the missing nodes on the
     * way. The action must not take other trie monitors.
     */
    static <N extends TrieNode<N>, R> R updateCreating(N root, String path, Function<? super N, ? extends R> action) {
        for (;;) {
            N node = createPath(root, path);
            if (node != null) {
                synchronized (node) {
                    if (!node.dead) {
                        return action.apply(node);
                    }
                }
            }
            Thread.onSpinWait(); // we met a node being pruned; its detachment is a few instructions away
        }
    }

    /**
     * Runs {@code action} on the existing node for {@code path} with its monitor held, then prunes the node if the
     * action left it empty. Returns {@code ifAbsent} when there is no such node.
     */
    static <N extends TrieNode<N>, R> R updateExisting(N root, String path, Function<? super N, ? extends R> action,
                                                       R ifAbsent) {
        for (;;) {
            N node = find(root, path);
            if (node == null) {
                return ifAbsent;
            }
            R result;
            boolean empty;
            synchronized (node) {
                if (node.dead) {
                    Thread.onSpinWait();
                    continue;
                }
                result = action.apply(node);
                empty = node.isEmpty();
            }
            if (empty) {
                prune(node); // outside the node's monitor: pruning takes the parent's first
            }
            return result;
        }
    }

    /** The node for the path, created as needed; null when the walk met a dead node and must start again. */
    private static <N extends TrieNode<N>> N createPath(N root, String path) {
        N node = root;
        int start = 0;
        for (;;) {
            int end = levelEnd(path, start);
            String level = path.substring(start, end);
            N child = node.child(level);
            if (child == null) {
                synchronized (node) {
                    if (node.dead) {
                        return null;
                    }
                    child = node.childOrCreate(level);
                }
            }
            node = child;
            if (end == path.length()) {
                return node;
            }
            start = end + 1;
        }
    }

    /** Detaches {@code node} and then each ancestor left empty by it; the root stays. */
    static <N extends TrieNode<N>> void prune(N node) {
        while (node.parent != null) {
            N parent = node.parent;
            synchronized (parent) {
                synchronized (node) {
                    if (node.dead || !node.isEmpty()) {
                        return;
                    }
                    node.dead = true;
                }
                parent.detach(node);
            }
            node = parent;
        }
    }

    /** The number of nodes below {@code root}; walks the whole trie, for tests and diagnostics. */
    static <N extends TrieNode<N>> int countBelow(N root) {
        int count = 0;
        ArrayDeque<N> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            ConcurrentHashMap<String, N> map = pending.pop().children;
            if (map != null) {
                for (N child : map.values()) {
                    count++;
                    pending.push(child);
                }
            }
        }
        return count;
    }

    boolean isEmpty() { // with this monitor held
        return children == null && !hasPayload();
    }

    N childOrCreate(String level) { // with this monitor held
        ConcurrentHashMap<String, N> map = children;
        if (map == null) {
            map = new ConcurrentHashMap<>(2);
        }
        N child = map.get(level);
        if (child == null) {
            child = newChild(level);
            map.put(level, child); // publishes the new node to readers
            children = map;
            childAdded(child);
        }
        return child;
    }

    void detach(N child) { // with this monitor held
        ConcurrentHashMap<String, N> map = children;
        map.remove(child.level, child);
        if (map.isEmpty()) {
            children = null;
        }
        childRemoved(child);
    }
}
