package io.midge.broker.session;

import java.util.List;

/**
 * What a session holds for its client, waiting (mailbox and queue) or in flight, as the rest of the broker counts
 * and lists it (the management API, the bridges' and the cluster's queues, tests), and how the broker's own queues
 * keep theirs (bounds, in-flight records). A view made per call, like {@link SessionTransfer}: none of it is on the
 * path of a message, and an idle session holds no object for it. Apart from {@link DeliveryFlow}, which deals with
 * the flow of deliveries, and {@link Session}, with connections and subscriptions.
 */
public final class SessionQueue {
    private final Session session;

    SessionQueue(Session session) {
        this.session = session;
    }

    /** Messages waiting (mailbox and queue), for tests and metrics. */
    public int pendingMessages() {
        DeliveryFlow flow = session.flowIfMade(); // read from any thread: asking makes no flow
        return flow == null ? 0 : flow.mailbox().pendingMessages();
    }

    public long pendingBytes() {
        DeliveryFlow flow = session.flowIfMade();
        return flow == null ? 0 : flow.mailbox().pendingBytes();
    }

    public int inflightCount() {
        DeliveryFlow flow = session.flowIfMade();
        OutboundWindow window = flow == null ? null : flow.windowIfMade();
        return window == null ? 0 : window.size();
    }

    /** Its messages as the management API lists them; see {@link PendingMessages}. */
    public List<PendingMessages.Pending> pending(int skip, int limit) {
        DeliveryFlow flow = session.flowIfMade();
        return flow == null ? List.of() : PendingMessages.page(flow.mailbox(), flow.windowIfMade(), skip, limit);
    }

    /**
     * A cluster node's forwarding queue: not bounded like a client's, since its messages were acknowledged to their
     * publishers for persistent sessions on that node, but by a bound of its own ({@code cluster.max-queued-messages}
     * and bytes), far above a client's: beyond it the oldest queued messages are dropped, counted as
     * {@code droppedNodeQueueFull}, so that a node down for long does not exhaust the others' memory.
     */
    public void keepEverything(long maxMessages, long maxBytes) {
        session.flow().mailbox().bound(QueueBounds.forwarding(maxMessages, maxBytes));
    }

    /**
     * The session's QoS 1 sends get no in-flight record in the store (a bridge's outbound queue; see
     * {@link DeliveryRecords#sent}): its remote keeps no state for a QoS 1 message it received, so one sent again
     * after a restart under a new identifier reaches it as one sent again with DUP under the old one would, and a
     * store write per message is saved. Re-sends after a reconnect keep their identifiers (the window holds them).
     */
    public void withoutQos1InflightRecords() {
        session.flow().withoutQos1InflightRecords();
    }

    /**
     * Bounds of this session's own in place of the clients' (a bridge's outbound queue): what does not fit is
     * dropped by their policy, counted in their counter and in the broker's, and logged.
     */
    public void bound(QueueBounds bounds) {
        session.flow().mailbox().bound(bounds);
    }
}
