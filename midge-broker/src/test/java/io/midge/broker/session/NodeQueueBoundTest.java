package io.midge.broker.session;

import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.session.TestSessions.delivery;
import static io.midge.broker.session.TestSessions.takeQueued;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A cluster node's forwarding queue ({@code cluster.max-queued-messages}/{@code -bytes}): not bounded like a
 * client's, but by its own bound, beyond which its oldest messages are dropped and counted apart.
 */
class NodeQueueBoundTest {
    private final TestSessions sessions = new TestSessions();
    private SessionMailbox mailbox;

    private void open(long maxMessages, long maxBytes) {
        BrokerConfig c = BrokerConfig.builder().set(MAX_QUEUED_MESSAGES, 1).build(); // a client's bound: not this
        mailbox = new SessionMailbox(sessions.session(c), c, sessions.metrics);
        mailbox.bound(QueueBounds.forwarding(maxMessages, maxBytes));
    }

    @AfterEach
    void releaseAll() {
        mailbox.clear();
        sessions.close();
    }

    @Test
    @DisplayName("At cluster.max-queued-messages a forwarding queue drops its oldest messages, counted as "
            + "node_queue_full (not queue_full); a client's max-queued-messages does not apply to it")
    void dropsOldestBeyondItsBound() {
        open(3, 1_000);
        for (int i = 0; i < 5; i++) {
            assertThat(mailbox.offer(delivery("m" + i, 1))).isTrue();
        }
        mailbox.drain();
        assertThat(mailbox.pendingMessages()).isEqualTo(3);
        assertThat(sessions.metrics.droppedNodeQueueFull.sum()).isEqualTo(2);
        assertThat(sessions.metrics.droppedQueueFull.sum()).isZero();
        assertThat(takeQueued(mailbox)).containsExactly("m2", "m3", "m4");
        assertThat(mailbox.pendingMessages()).isZero();
    }

    @Test
    @DisplayName("At cluster.max-queued-bytes the oldest go too; beyond twice the bound before a drain (the loop "
            + "behind) new messages are refused, counted the same")
    void bytesAndTheInbox() {
        open(100, 8);
        for (int i = 0; i < 4; i++) {
            assertThat(mailbox.offer(delivery("aaa" + i, 1))).isTrue(); // 4 bytes each
        }
        Delivery refused = delivery("bbbb", 1);
        assertThat(mailbox.offer(refused)).as("16 bytes held: twice the bound").isFalse();
        refused.release();
        mailbox.drain();
        assertThat(sessions.metrics.droppedNodeQueueFull.sum()).isEqualTo(3);
        assertThat(takeQueued(mailbox)).containsExactly("aaa2", "aaa3");
        assertThat(mailbox.pendingBytes()).isZero();
    }
}
