package io.midge.broker.session;

import io.midge.broker.routing.Delivery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a session holds for its client, a page at a time, as the management API lists it. */
public final class PendingMessages {
    private PendingMessages() {
    }

    /**
     * A message the session holds for its client: in flight (sent, not acknowledged; {@code topic} null once PUBREC
     * let go of a QoS 2 message) or queued ({@code packetId} 0).
     */
    public record Pending(String topic, int qos, int payloadBytes, boolean inflight, int packetId) {
    }

    /**
     * On the session's loop: the messages in flight, oldest first, then those queued, after skipping {@code skip}
     * of them, at most {@code limit}. Costs the skipped and the listed messages, nothing more.
     */
    static List<Pending> page(SessionMailbox mailbox, OutboundWindow window, int skip, int limit) {
        List<Pending> page = new ArrayList<>(Math.min(limit, 64));
        int index = 0;
        for (Map.Entry<Integer, InflightSend> e : window == null ? List.<Map.Entry<Integer, InflightSend>>of()
                : window.inflightSends()) {
            if (page.size() >= limit) {
                return page;
            }
            if (index++ >= skip) {
                Delivery d = e.getValue().delivery;
                page.add(d == null ? new Pending(null, 2, 0, true, e.getKey())
                        : new Pending(d.message().topic(), d.qos(), d.message().payloadSize(), true, e.getKey()));
            }
        }
        for (Delivery d : mailbox.queued()) {
            if (page.size() >= limit) {
                return page;
            }
            if (index++ >= skip) {
                page.add(new Pending(d.message().topic(), d.qos(), d.message().payloadSize(), false, 0));
            }
        }
        return page;
    }
}
