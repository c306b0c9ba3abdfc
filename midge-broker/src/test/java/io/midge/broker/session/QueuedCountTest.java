package io.midge.broker.session;

import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static io.midge.broker.session.TestSessions.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.routing.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The count of queued messages ({@code midge_queued_messages}, the stats' {@code queuedMessages}), kept as messages
 * come and go rather than walked for: at every step it is the sum of what the sessions hold.
 */
class QueuedCountTest {
    private final TestSessions sessions = new TestSessions();

    private void assertCounted(long expected, Session... all) {
        long held = 0;
        for (Session s : all) {
            held += s.queue().pendingMessages();
        }
        assertThat(held).as("what the sessions hold").isEqualTo(expected);
        assertThat(sessions.metrics.queuedMessages.sum()).as("the count").isEqualTo(expected);
    }

    private static Delivery shared(String payload) {
        Delivery d = delivery(payload, 1);
        return new Delivery(d.message(), 1, false, Delivery.NO_IDS, true);
    }

    @Test
    @DisplayName("Offers, drops at the bound (new and oldest), offline QoS 0 drops, restores, a move's tail and its "
            + "copies, sends, shared messages handed on and the session's end each change the count as they change "
            + "what the sessions hold")
    void followsEveryWayInAndOut() {
        try (sessions) {
            Session a = sessions.session(BrokerConfig.builder().set(MAX_QUEUED_MESSAGES, 3).build());
            Session b = sessions.session(BrokerConfig.builder().set(MAX_QUEUED_MESSAGES, 2)
                    .set(QUEUE_OVERFLOW, QueueOverflow.DROP_OLDEST).build());
            for (int i = 0; i < 4; i++) {
                Delivery d = delivery("a" + i, 1);
                if (!a.offer(d)) {
                    d.release(); // refused at the bound: the caller keeps it
                }
            }
            assertThat(a.offer(shared("a-shared"))).isFalse(); // full: refused too
            b.offer(delivery("b0", 0));
            b.offer(shared("b-shared"));
            b.offer(delivery("b1", 1));
            b.offer(delivery("b2", 1));
            assertCounted(7, a, b); // b's inbox may hold twice its bound until the loop trims it
            sessions.run(); // drained: b trimmed to its bound, its oldest two dropped
            assertCounted(5, a, b);

            Session c = sessions.session(BrokerConfig.defaults());
            c.offer(delivery("offline-qos0", 0));
            assertCounted(6, a, b, c);
            sessions.run(); // c is offline: its QoS 0 message is dropped
            assertCounted(5, a, b, c);
            c.transfer().restoreQueued(delivery("restored", 1));
            c.transfer().insertQueued(1, List.of(delivery("tail", 1), delivery("copy", 1)));
            assertCounted(8, a, b, c);
            List<Delivery> copies = c.transfer().takeQueuedIf(d -> d.message().payload()
                    .toString(StandardCharsets.UTF_8).equals("copy"));
            copies.forEach(Delivery::release);
            assertCounted(7, a, b, c);

            assertThat(b.takeUndeliveredShared()).isEmpty(); // trimmed away before: b keeps b1 and b2
            b.offer(shared("b-shared-2"));
            sessions.run(); // over b's bound: b1 trimmed
            List<Delivery> handedOn = b.takeUndeliveredShared();
            assertThat(handedOn).hasSize(1);
            handedOn.forEach(Delivery::release);
            assertCounted(6, a, b, c);

            FakeConnection connection = new FakeConnection();
            c.attach(connection); // what c holds goes out: in flight now, no longer queued
            assertThat(connection.published).hasSize(2);
            assertCounted(4, a, b, c);

            a.end();
            b.end();
            c.end();
            assertCounted(0, a, b, c);
        }
    }
}
