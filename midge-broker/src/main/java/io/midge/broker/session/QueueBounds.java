package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig.QueueOverflow;
import java.util.concurrent.atomic.LongAdder;

/**
 * A session's own queue bounds, in place of the clients' ({@code max-queued-messages}, ...): a bridge's outbound
 * queue has its own, with their own policy and counter; a cluster node's forwarding queue has its own
 * ({@code cluster.max-queued-messages}, ...) and always drops its oldest. One mechanism in {@link SessionMailbox}
 * applies them all.
 *
 * @param dropped    counts every message dropped at the bound, by either policy
 * @param forwarding a cluster node's forwarding queue: its drops are counted as {@code node_queue_full} (not
 *                   {@code queue_full}) and logged once per episode rather than once per thousand
 */
public record QueueBounds(int maxMessages, long maxBytes, QueueOverflow overflow, LongAdder dropped,
                          boolean forwarding) {

    /** A bridge's queue, or any session's with bounds of its own: drops counted as {@code queue_full} too. */
    public QueueBounds(int maxMessages, long maxBytes, QueueOverflow overflow, LongAdder dropped) {
        this(maxMessages, maxBytes, overflow, dropped, false);
    }

    /** A cluster node's forwarding queue: beyond its bounds its oldest messages are dropped. */
    static QueueBounds forwarding(long maxMessages, long maxBytes) {
        return new QueueBounds((int) Math.min(maxMessages, Integer.MAX_VALUE), maxBytes, QueueOverflow.DROP_OLDEST,
                new LongAdder(), true);
    }
}
