package io.midge.broker.routing;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
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
