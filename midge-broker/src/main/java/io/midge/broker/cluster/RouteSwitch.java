package io.midge.broker.cluster;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A node's switch of a moving session's routes to its new node ({@link HandoverGiving}): for the old owner's own
 * publishers, and on request of the old owner ({@link #onRoute}), for another node's, which then says so with a mark
 * behind everything it routed to the old owner before.
 */
final class RouteSwitch {
    private final String self;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    private final NodeQueues queues;
    /** The last forward identity this node's router gave ({@code Router#lastForwardId}). */
    private final LongSupplier forwardIds;

    RouteSwitch(String self, SessionRegistry sessions, HandoverLinks links, NodeQueues queues,
                LongSupplier forwardIds) {
        this.self = self;
        this.sessions = sessions;
        this.links = links;
        this.queues = queues;
        this.forwardIds = forwardIds;
    }

    /**
     * Another node moves a session and asks this one to route its filters to the new node (on the session thread):
     * the forwarding queue to that node takes them now, and once every loop and the store passed what was routed
     * before, a mark goes to the asking node through this node's queue to it, behind all of that.
     */
    void onRoute(String from, HandoverCodec.Frame route) {
        // Read before the switch: a message with an identity up to this one was matched before it, so the passes
        // below put it ahead of the mark. Read after them, it would include messages matched after the switch whose
        // copy for the old node is still being stored, and so lands behind the mark and out of the tail: the new
        // node, dropping its own copy as routed before, lost them (one QoS 1 message per move in the loop).
        long lastForwardId = forwardIds.getAsLong();
        routeTo(route.reason(), route.filters()).whenComplete((v, e) -> {
            byte[] mark = HandoverCodec.mark(route.requestId(), route.clientId(), lastForwardId);
            Session queue = queues.queueOf(from);
            Delivery d = new Delivery(new Message(HandoverLinks.TOPIC_PREFIX + from, 1, false,
                    Unpooled.wrappedBuffer(mark), MqttProperties.EMPTY, Message.NEVER, null), 1, false,
                    Delivery.NO_IDS);
            if (queue == null || queue.isEnded() || !queue.offer(d)) {
                d.release();
                // No queue to that node: nothing this node routed is on its way there.
                links.send(from, mark, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HandoverGiving.SWITCH_MILLIS));
            }
        });
    }

    /**
     * Routes the filters to node {@code to} (its forwarding queue subscribes to them; on {@code to} itself the
     * session is subscribed already); completes once every loop passed the change, the store wrote what was routed
     * before it, and every loop handed that on.
     */
    CompletableFuture<Void> routeTo(String to, List<String> filters) {
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        if (!to.equals(self)) {
            for (String filter : filters) {
                // Durable (a moving session is persistent), and kept until the new owner's own route is seen here:
                // a sync meanwhile must not take it away (see NodeQueues#subscribeForMove).
                subscribed.add(queues.subscribeForMove(to, filter, true));
            }
        }
        // The passes begin once the queue's subscriptions are in the topic tree (made on the queue's loop). Begun
        // before, a loop that passed early could still match a QoS 2 publish without the new node and hand its store
        // batch to the writer only after the barrier; offered once written, after the second pass, it reached the
        // old node behind the mark (out of the tail) and the new node not at all. QoS 1 is offered as it is matched,
        // inside the pass, which fits CI's move window losing one QoS 2 message and no QoS 1.
        return CompletableFuture.allOf(subscribed.toArray(new CompletableFuture[0]))
                .thenCompose(v -> links.passes(sessions.store().persistence()));
    }
}
