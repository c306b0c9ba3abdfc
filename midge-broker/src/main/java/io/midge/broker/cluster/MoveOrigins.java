package io.midge.broker.cluster;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.session.Session;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.util.Set;

/**
 * What a moving session's deliveries tell a move ({@link HandoverGiving}, {@link LateMarks}, {@link MovedTail}):
 * which node each came from (its origin), which are the nodes' marks put into its queue, what makes a message the
 * same on every node (its identity), and which go to the new node in the tail.
 */
final class MoveOrigins {
    /**
     * The topic of the marks put into a moving session's own queue here, one per node as its mark arrives (and one
     * for this node's own publishers): what came from that node after its mark reaches the new node directly.
     */
    private static final String MARK_TOPIC = NodeClientIds.PREFIX + "mark";
    /** Where a delivery came from: this node's publishers. */
    static final String HERE = "";

    private MoveOrigins() {
    }

    /** Puts the mark of a node (its link's client identifier; null: this node) into the session's queue. */
    static void mark(Session s, String origin) {
        Delivery d = new Delivery(new Message(MARK_TOPIC, 1, false, Unpooled.EMPTY_BUFFER, MqttProperties.EMPTY,
                Message.NEVER, origin), 1, false, Delivery.NO_IDS);
        if (!s.offer(d)) {
            d.release();
        }
    }

    /** Whether a delivery is a node's mark ({@link #mark}). */
    static boolean isMark(Delivery d) {
        return MARK_TOPIC.equals(d.message().topic()) && d.qos() == 1;
    }

    /** The node a delivery came from: its link's client identifier, or {@link #HERE}. */
    static String origin(Delivery d) {
        String publisher = d.message().publisherId();
        return publisher != null && publisher.startsWith(NodeLink.LINK_PREFIX) ? publisher : HERE;
    }

    /**
     * What makes a delivery's message the same on every node ({@link Message#forwardId} with the node that gave it,
     * named by the link it came in by, or {@code self}'s link for this node's own publishers); empty for a message
     * without one, which went to one node only (the new owner cannot have it from elsewhere), and for a share
     * group's delivery.
     */
    static String identity(Delivery d, String self) {
        long id = d.message().forwardId();
        if (id == 0 || d.shared()) {
            return ""; // a share group's delivery: on the links without one (each node chooses its member)
        }
        return node(d, self) + " " + id;
    }

    /** The node that gave a delivery's message its forward identity: named by its link's client identifier. */
    static String node(Delivery d, String self) {
        return node(origin(d), self);
    }

    /** The node an origin ({@link #origin}) names, by its link's client identifier: {@link #HERE} is {@code self}. */
    static String node(String origin, String self) {
        return origin.equals(HERE) ? NodeLink.LINK_PREFIX + self : origin;
    }

    /**
     * Whether a delivery the moving session got goes to the new node in the tail: not when the snapshot carried it
     * ({@code inSnapshot}); a plain one when it is not behind its node's mark ({@code marked}: the nodes whose mark
     * came), as it was routed before that node sent to the new node too, or between its switch and its mark, to both
     * (the new node tells those by identity); one behind the mark reached the new node directly. A share group's
     * always: the node that routed it chose one member of the group, this copy's node, so it reached no other copy
     * and the new node has it only from the tail. Left out behind its node's mark (a node still sends a group's
     * messages here in turn until this node's route of the group goes), it was lost.
     */
    static boolean inTail(Delivery d, boolean inSnapshot, Set<String> marked) {
        return !inSnapshot && (d.shared() || !marked.contains(origin(d)));
    }
}
