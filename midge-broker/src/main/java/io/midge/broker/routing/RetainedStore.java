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
        String[] cursor = after == null ? null : after.split("/", -1);
        // An explicit stack, and one builder for the topic, because a topic may have tens of thousands of levels:
        // recursion would overflow the thread's stack, and a string per level would cost the square of the depth.
        StringBuilder topic = new StringBuilder();
        ArrayDeque<Visit<M>> stack = new ArrayDeque<>();
        stack.push(new Visit<>(root, 0, 0, false, cursor != null));
        while (!stack.isEmpty()) {
            Visit<M> visit = stack.peek();
            if (visit.names == null) {
                topic.setLength(visit.topicLength);
                if (!enter(visit, topic, levels, cursor, visitor)) {
                    return;
                }
            }
            if (visit.next >= visit.names.size()) {
                stack.pop();
                continue;
            }
            String name = visit.names.get(visit.next++);
            ConcurrentHashMap<String, Node<M>> children = visit.node.children();
            Node<M> child = children == null ? null : children.get(name);
            int depth = visit.depth;
            boolean onCursor = visit.onCursor && depth < cursor.length;
            if (child == null || onCursor && !name.equals(cursor[depth]) && name.compareTo(cursor[depth]) < 0) {
                continue;
            }
            topic.setLength(visit.topicLength);
            if (visit.node != root) {
                topic.append('/');
            }
            topic.append(name);
            stack.push(new Visit<>(child, depth + 1, topic.length(), visit.all || "#".equals(levelAt(levels, depth)),
                    onCursor && name.equals(cursor[depth])));
        }
    }

    /** One node on the way of {@link #walkInOrder}: where it is, and which of its children are still to visit. */
    private static final class Visit<M> {
        final Node<M> node;
        final int depth;
        final int topicLength;
        /** A '#' matched above: the node and everything below it match. */
        final boolean all;
        /** The node's topic is the cursor's first levels: only what sorts after the cursor is visited. */
        final boolean onCursor;
        /** The children's names to visit, in order; null until the node is entered. */
        List<String> names;
        int next;

        Visit(Node<M> node, int depth, int topicLength, boolean all, boolean onCursor) {
            this.node = node;
            this.depth = depth;
            this.topicLength = topicLength;
            this.all = all;
            this.onCursor = onCursor;
        }
    }

    private static String levelAt(String[] levels, int depth) {
        return depth < levels.length ? levels[depth] : null;
    }

    /**
     * Enters a node of {@link #walkInOrder}: hands the visitor the node's own message when the filter matches its
     * topic, then lists the children to visit. False once the visitor stopped.
     */
    private boolean enter(Visit<M> visit, StringBuilder topic, String[] filter, String[] cursor,
                          BiPredicate<String, ? super M> visitor) {
        Node<M> node = visit.node;
        int depth = visit.depth;
        String level = visit.all ? null : levelAt(filter, depth);
        boolean hash = visit.all || "#".equals(level);
        // The node's own topic: a match when the filter ends here, or goes on with '#' ("a/#" matches "a").
        if (node != root && (hash || depth == filter.length) && !visit.onCursor) {
            M message = node.message;
            if (message != null && !visitor.test(topic.toString(), message)) {
                return false;
            }
        }
        ConcurrentHashMap<String, Node<M>> children = node.children();
        if (children == null || !hash && level == null) {
            visit.names = List.of();
        } else if (hash || level.equals("+")) {
            String least = visit.onCursor && depth < cursor.length ? cursor[depth] : null;
            List<String> names = new ArrayList<>();
            for (String name : children.keySet()) {
                boolean system = node == root && TopicFilters.isSystemTopic(name);
                if (!system && (least == null || name.compareTo(least) >= 0)) {
                    names.add(name);
                }
            }
            Collections.sort(names);
            visit.names = names;
        } else {
            visit.names = List.of(level);
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
