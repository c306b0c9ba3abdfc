package io.midge.broker.routing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The retained message of every topic that has one, indexed by topic level so that a subscription's filter finds
 * its messages by walking only the matching branches, never by scanning every topic.
 *
 * <p>Threads: lookups and matches take no lock. {@link #put} and {@link #remove} lock only the node of their topic
 * (and its parent while creating or pruning it), so publishers on different topics do not wait for each other.
 *
 * @param <M> the broker's message type; stored as given, never copied
 */
public final class RetainedStore<M> {
    private final Node<M> root = new Node<>(null, "");
    private final AtomicInteger size = new AtomicInteger();

    /** Stores {@code message} as the retained message of {@code topic}, replacing the previous one. */
    public void put(String topic, M message) {
        Objects.requireNonNull(message, "message");
        TrieNode.updateCreating(root, topic, node -> {
            if (node.message == null) {
                size.incrementAndGet();
            }
            node.message = message;
            return null;
        });
    }

    /** Removes the retained message of {@code topic}; returns it, or null when there was none. */
    public M remove(String topic) {
        return TrieNode.updateExisting(root, topic, node -> {
            M removed = node.message;
            if (removed != null) {
                node.message = null;
                size.decrementAndGet();
            }
            return removed;
        }, null);
    }

    /** The retained message of {@code topic}, or null. */
    public M get(String topic) {
        Node<M> node = TrieNode.find(root, topic);
        return node == null ? null : node.message;
    }

    public int size() {
        return size.get();
    }

    /**
     * Hands {@code sink} every retained message whose topic matches {@code filter}, a plain (not shared) valid
     * filter. Wildcards at the first level skip topics starting with '$' (MQTT 5.0 section 4.7.2).
     */
    public void match(String filter, Consumer<? super M> sink) {
        ArrayDeque<Step<M>> pending = new ArrayDeque<>();
        pending.push(new Step<>(root, 0));
        while (!pending.isEmpty()) {
            Step<M> step = pending.pop();
            Node<M> node = step.node;
            if (step.offset < 0) {
                emit(node, sink);
                continue;
            }
            int end = TrieNode.levelEnd(filter, step.offset);
            int next = end < filter.length() ? end + 1 : -1;
            boolean wildcard = end - step.offset == 1;
            if (wildcard && filter.charAt(step.offset) == '#') {
                emitSubtree(node, sink); // "sport/#" matches "sport" itself and everything below
            } else if (wildcard && filter.charAt(step.offset) == '+') {
                ConcurrentHashMap<String, Node<M>> children = node.children();
                if (children != null) {
                    for (Node<M> child : children.values()) {
                        if (!(node == root && isSystem(child))) {
                            pending.push(new Step<>(child, next));
                        }
                    }
                }
            } else {
                Node<M> child = node.child(filter.substring(step.offset, end));
                if (child != null) {
                    pending.push(new Step<>(child, next));
                }
            }
        }
    }

    /**
     * Hands {@code visitor} the retained messages whose topic matches {@code filter} (a valid plain filter) in
     * topic order: level by level, the names of a level in String order, a topic before the topics below it. It
     * starts after the topic {@code after} (null: at the first) and stops when the visitor returns false. A page
     * costs the nodes on its way and the sorting of their children's names, never a copy of the whole store.
     */
    public void walkInOrder(String filter, String after, BiPredicate<String, ? super M> visitor) {
        String[] levels = filter.split("/", -1);
        String[] from = after == null ? null : after.split("/", -1);
        walk(root, "", 0, levels, false, from, from != null, visitor);
    }

    /**
     * One node of {@link #walkInOrder}; false once the visitor stopped. {@code all}: a '#' matched above, so the
     * node and everything below it match. {@code onCursor}: the node's topic is the cursor's first levels, so only
     * what sorts after the cursor is visited.
     */
    private boolean walk(Node<M> node, String topic, int depth, String[] filter, boolean all, String[] cursor,
                         boolean onCursor, BiPredicate<String, ? super M> visitor) {
        String level = all || depth >= filter.length ? null : filter[depth];
        boolean hash = all || "#".equals(level);
        // The node's own topic: a match when the filter ends here, or goes on with '#' ("a/#" matches "a").
        if (node != root && (hash || depth == filter.length) && !onCursor) {
            M message = node.message;
            if (message != null && !visitor.test(topic, message)) {
                return false;
            }
        }
        if (!hash && level == null) {
            return true;
        }
        ConcurrentHashMap<String, Node<M>> children = node.children();
        if (children == null) {
            return true;
        }
        List<String> names;
        if (hash || level.equals("+")) {
            String least = onCursor && depth < cursor.length ? cursor[depth] : null;
            names = new ArrayList<>();
            for (String name : children.keySet()) {
                boolean system = node == root && TopicFilters.isSystemTopic(name);
                if (!system && (least == null || name.compareTo(least) >= 0)) {
                    names.add(name);
                }
            }
            Collections.sort(names);
        } else {
            names = List.of(level);
        }
        for (String name : names) {
            Node<M> child = children.get(name);
            if (child == null) {
                continue;
            }
            boolean childOnCursor = onCursor && depth < cursor.length && name.equals(cursor[depth]);
            if (onCursor && depth < cursor.length && !childOnCursor && name.compareTo(cursor[depth]) < 0) {
                continue;
            }
            String childTopic = node == root ? name : topic + '/' + name;
            if (!walk(child, childTopic, depth + 1, filter, hash, cursor, childOnCursor, visitor)) {
                return false;
            }
        }
        return true;
    }

    /** Hands {@code sink} every topic and its retained message, in no particular order; for persistence. */
    public void forEach(BiConsumer<String, ? super M> sink) {
        ArrayDeque<Node<M>> nodes = new ArrayDeque<>();
        ArrayDeque<String> topics = new ArrayDeque<>();
        nodes.push(root);
        topics.push("");
        while (!nodes.isEmpty()) {
            Node<M> node = nodes.pop();
            String topic = topics.pop();
            M message = node.message;
            if (message != null) {
                sink.accept(topic, message);
            }
            ConcurrentHashMap<String, Node<M>> children = node.children();
            if (children != null) {
                for (Node<M> child : children.values()) {
                    nodes.push(child);
                    topics.push(node == root ? child.level : topic + '/' + child.level);
                }
            }
        }
    }

    /** The number of nodes below the root; walks the whole trie. Zero once every message is removed. */
    int nodeCount() {
        return TrieNode.countBelow(root);
    }

    private void emitSubtree(Node<M> top, Consumer<? super M> sink) {
        ArrayDeque<Node<M>> pending = new ArrayDeque<>();
        pending.push(top);
        while (!pending.isEmpty()) {
            Node<M> node = pending.pop();
            emit(node, sink);
            ConcurrentHashMap<String, Node<M>> children = node.children();
            if (children != null) {
                for (Node<M> child : children.values()) {
                    if (!(node == root && isSystem(child))) {
                        pending.push(child);
                    }
                }
            }
        }
    }

    private static <M> void emit(Node<M> node, Consumer<? super M> sink) {
        M message = node.message;
        if (message != null) {
            sink.accept(message);
        }
    }

    private static boolean isSystem(Node<?> topLevel) {
        return TopicFilters.isSystemTopic(topLevel.level); // a topic's first level starts with what the topic does
    }

    private record Step<M>(Node<M> node, int offset) {
    }

    /** One topic level; holds the retained message of the topic ending here, if any. */
    static final class Node<M> extends TrieNode<Node<M>> {
        volatile M message; // written under this node's monitor

        Node(Node<M> parent, String level) {
            super(parent, level);
        }

        @Override
        Node<M> newChild(String level) {
            return new Node<>(this, level);
        }

        @Override
        boolean hasPayload() {
            return message != null;
        }
    }
}
