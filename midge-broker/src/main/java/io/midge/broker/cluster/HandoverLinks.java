package io.midge.broker.cluster;

import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the session handover's messages travel between nodes ({@link HandoverCodec}), and the thread the handover runs
 * on. Out: on the link to the node, as QoS 0 {@code $cluster/session/<node>} beside the forwarding queue's traffic,
 * waiting a while for a link that is not up yet. In: a subscriber of {@code $cluster/session/#} in the local topic
 * tree, which decodes what other nodes' links publish and hands it to the {@link Receiver}.
 *
 * <p>Threads: the handover's steps run on one thread of its own ({@code midge-sessions}), which orders a node's
 * claims and releases; its registry calls do not wait for the network (each step goes on when the answer comes, on
 * this thread), so one slow answer holds up no other handover; nothing here blocks a loop.
 */
final class HandoverLinks {
    private static final Logger log = LoggerFactory.getLogger(HandoverLinks.class);
    static final String TOPIC_PREFIX = NodeClientIds.PREFIX + "session/";

    /** What the handover does with each kind of message from another node. */
    interface Receiver {
        /** Another node asks for a session of this node (on the session thread). */
        void request(String from, HandoverCodec.Frame request);

        /** The owner answered a request of this node (on the link's loop). */
        void answer(HandoverCodec.Frame answer);

        /** The node a session moved to says whether it has it (on the session thread). */
        void done(HandoverCodec.Frame done);

        /** Messages that reached a session's old node during the move (on the link's loop). */
        void tail(String from, HandoverCodec.Frame tail);

        /** The node a session moved to stored its tail (on the session thread). */
        void tailStored(String from, HandoverCodec.Frame stored);

        /** A session's old node asks this one to route the session's filters to its new node (session thread). */
        void route(String from, HandoverCodec.Frame route);

        /** A node routes a moving session's filters to its new node now (on the link's loop, in the queue's order). */
        void mark(String from, HandoverCodec.Frame mark);

        /** Another node's new routes, to forward to it from now on (on the session thread). */
        void routes(String from, HandoverCodec.Frame routes);

        /** A node forwards the routes this one announced (on the link's loop). */
        void routed(String from, HandoverCodec.Frame routed);
    }

    private final EventLoopGroup group;
    private final ScheduledExecutorService thread;
    /** The link up to each node, to send on. */
    private final Map<String, NodeLink> links = new ConcurrentHashMap<>();
    /**
     * The other nodes the route table says are up (announced, not stopped), whether they are members now or not: a
     * node that died keeps its entry, and holds a forwarding queue to this node until it comes back.
     */
    private volatile Set<String> announced = Set.of();
    /** Messages for nodes without a link, each sent once its node's link comes up, or failed at its deadline. */
    private final Map<String, List<Waiting>> whenUp = new ConcurrentHashMap<>();
    private Receiver receiver;

    private record Waiting(byte[] message, CompletableFuture<Void> sent) {
    }

    HandoverLinks(EventLoopGroup group) {
        this.group = group;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "midge-sessions");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the handover messages other nodes send this one (they arrive on the link listener, as QoS 0). */
    void listen(TopicTree tree, Receiver to) {
        this.receiver = to;
        tree.subscribe(new Inbox(), TOPIC_PREFIX + "#", SubscriptionOptions.of(0));
    }

    void linkUp(NodeLink link) {
        links.put(link.node, link);
        if (whenUp.containsKey(link.node)) {
            onThread(() -> sendWaiting(link.node));
        }
    }

    void linkDown(NodeLink link) {
        links.remove(link.node, link);
    }

    void close() {
        thread.shutdownNow();
    }

    /** The nodes this node has a link up to. */
    Set<String> nodes() {
        return Set.copyOf(links.keySet());
    }

    /** The route table's nodes that are up by their own entry (see {@link #announced}); from the cluster's sync. */
    void announced(Set<String> nodes) {
        announced = Set.copyOf(nodes);
    }

    /** The other nodes that are up by the route table, linked to or not (a dead one is until it comes back). */
    Set<String> announced() {
        return announced;
    }

    /**
     * Sends on the link to the node; a node without a link up gets it when its link comes up (in order), which may
     * take until the deadline: seconds for a handover's steps, minutes for a node that is down. Completes once
     * handed to the link, or with a failure at the deadline.
     */
    CompletableFuture<Void> send(String node, byte[] message, long deadline) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        NodeLink link = links.get(node);
        if (link != null && link.sendControl(TOPIC_PREFIX + node, message)) {
            sent.complete(null);
            return sent;
        }
        if (thread.isShutdown()) {
            sent.completeExceptionally(new IllegalStateException("no link to node '" + node + "'"));
            return sent;
        }
        Waiting w = new Waiting(message, sent);
        keep(node, List.of(w));
        thread.schedule(() -> expire(node, w), Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (links.containsKey(node)) {
            onThread(() -> sendWaiting(node)); // came up meanwhile
        }
        return sent;
    }

    private void keep(String node, List<Waiting> more) {
        whenUp.compute(node, (n, list) -> {
            List<Waiting> waiting = list == null ? new ArrayList<>() : list;
            waiting.addAll(more);
            return waiting;
        });
    }

    /** The deadline of a message that waits for its node's link: it fails, and goes. */
    private void expire(String node, Waiting w) {
        whenUp.computeIfPresent(node, (n, list) -> {
            list.remove(w);
            return list.isEmpty() ? null : list;
        });
        w.sent().completeExceptionally(new IllegalStateException("no link to node '" + node + "'"));
    }

    /** The node's link is up: what waited for it goes, in order (on the session thread). */
    private void sendWaiting(String node) {
        List<Waiting> waiting = whenUp.remove(node);
        NodeLink link = links.get(node);
        if (waiting == null) {
            return;
        }
        for (int i = 0; i < waiting.size(); i++) {
            Waiting w = waiting.get(i);
            if (w.sent().isDone()) {
                continue; // expired
            }
            if (link == null || !link.sendControl(TOPIC_PREFIX + node, w.message())) {
                keep(node, List.copyOf(waiting.subList(i, waiting.size()))); // until it comes up again
                return;
            }
            w.sent().complete(null);
        }
    }

    /** Runs the task on the session thread; a failure is logged, and the thread goes on. */
    void onThread(Runnable task) {
        if (!thread.isShutdown()) {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Session registry task failed: {}", e.toString(), e);
                }
            });
        }
    }

    /**
     * Runs {@code then} on the session thread once {@code call} completes, with its value or its failure: how each
     * step of a handover goes on after a registry call, without a thread waiting for the answer.
     */
    <T> void whenDone(CompletionStage<T> call, BiConsumer<? super T, ? super Throwable> then) {
        call.whenComplete((value, error) -> onThread(() -> then.accept(value, error)));
    }

    /** Runs the task on the session thread after a delay. */
    void later(Runnable task, long delayMillis) {
        if (!thread.isShutdown()) {
            thread.schedule(() -> onThread(task), delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The session thread, for futures to complete on. */
    ScheduledExecutorService thread() {
        return thread;
    }

    /** Completes once every event loop ran a task queued after this call. */
    CompletableFuture<Void> everyLoop() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (EventExecutor loop : group) {
            CompletableFuture<Void> passed = new CompletableFuture<>();
            loop.execute(() -> passed.complete(null));
            all.add(passed);
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    /**
     * Completes once every event loop, then the store ({@link Persistence#barrier}), then every loop again passed what
     * was handed to them before this call: what was matched before it has been stored and offered.
     */
    CompletableFuture<Void> passes(Persistence store) {
        return everyLoop().thenCompose(v -> store.barrier()).thenCompose(v -> everyLoop());
    }

    /** A message from another node (publisher {@code $cluster/from/<node>}), on the link's loop. */
    private void received(String fromClientId, byte[] bytes) {
        if (fromClientId == null || !fromClientId.startsWith(NodeLink.LINK_PREFIX) || receiver == null) {
            return;
        }
        String from = fromClientId.substring(NodeLink.LINK_PREFIX.length());
        HandoverCodec.Frame frame;
        try {
            frame = HandoverCodec.read(bytes);
        } catch (IllegalArgumentException e) {
            log.warn("A session handover message from node '{}' could not be read: {}", from, e.getMessage());
            return;
        }
        switch (frame.kind()) {
            case HandoverCodec.REQUEST -> onThread(() -> receiver.request(from, frame));
            case HandoverCodec.ANSWER -> receiver.answer(frame);
            case HandoverCodec.DONE -> onThread(() -> receiver.done(frame));
            case HandoverCodec.TAIL -> receiver.tail(from, frame);
            case HandoverCodec.TAIL_STORED -> onThread(() -> receiver.tailStored(from, frame));
            case HandoverCodec.ROUTE -> onThread(() -> receiver.route(from, frame));
            case HandoverCodec.MARK -> receiver.mark(from, frame);
            case HandoverCodec.ROUTES -> onThread(() -> receiver.routes(from, frame));
            case HandoverCodec.ROUTED -> receiver.routed(from, frame);
            default -> log.warn("Unknown session handover message {} from node '{}'", frame.kind(), from);
        }
    }

    /** Where the handover messages land: a subscriber of {@code $cluster/session/#} in the local topic tree. */
    private final class Inbox implements Subscriber {
        @Override
        public String clientId() {
            return "midge-session-handover";
        }

        @Override
        public boolean isOnline() {
            return true;
        }

        @Override
        public boolean offer(Delivery delivery) {
            try {
                received(delivery.message().publisherId(), ByteBufUtil.getBytes(delivery.message().payload()));
            } finally {
                delivery.release();
            }
            return true;
        }
    }
}
