package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig.QueueOverflow;
import java.util.concurrent.atomic.LongAdder;

/**
 * A session's own queue bounds, in place of the clients' ({@code max-queued-messages}, ...): a bridge's outbound
 * queue has its own, and counts its own drops.
 *
 * @param dropped counts every message dropped at the bound, by either policy
 */
public record QueueBounds(int maxMessages, long maxBytes, QueueOverflow overflow, LongAdder dropped) {
}
