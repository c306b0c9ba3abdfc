package io.midge.broker.session;

import static io.midge.broker.session.TestSessions.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.routing.SubscriptionOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a session hands to another node of a cluster: its whole state, as the store would restore it. */
class SessionSnapshotTest {
    private final TestSessions sessions = new TestSessions();
    private Session session;

    @AfterEach
    void releaseAll() {
        if (session != null) {
            session.end();
        }
        sessions.close();
    }

    private static String payload(InflightDelivery d) {
        return new String(d.delivery().message().payload(), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("In flight in the order sent (QoS 1, QoS 2 after PUBREC as a PUBREL to re-send, QoS 2 before), then "
            + "queued, the mailbox not yet drained included, renumbered from 0; subscriptions with their options, "
            + "unreleased inbound QoS 2 identifiers; the session itself is left as it was")
    void wholeState() {
        session = sessions.session(BrokerConfig.defaults());
        session.setExpiryIntervalSeconds(3600);
        session.setProtocolVersion(5);
        session.subscribe("a/#", SubscriptionOptions.of(2, true, true, 1, 9));
        FakeConnection c = new FakeConnection(3);
        session.attach(c);
        session.offer(delivery("m0", 1));
        session.offer(delivery("m1", 2));
        session.offer(delivery("m2", 2));
        session.offer(delivery("m3", 1));
        session.offer(delivery("m4", 2));
        sessions.run();
        session.onPubRec(2, false);
        session.inboundQos2().add(7);
        session.detach(c);
        session.offer(delivery("m5", 1)); // still in the mailbox's inbox

        RecoveredSession s = SessionSnapshot.of(session);

        assertThat(s.clientId()).isEqualTo("client");
        assertThat(s.session().expiryIntervalSeconds()).isEqualTo(3600);
        assertThat(s.session().protocolVersion()).isEqualTo(5);
        assertThat(s.subscriptions()).containsEntry("a/#", new StoredSubscription(2, true, true, 1, 9));
        assertThat(s.inflight()).extracting(InflightDelivery::packetId, InflightDelivery::sequence,
                InflightDelivery::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, 0L, InflightState.AWAITING_PUBACK),
                org.assertj.core.groups.Tuple.tuple(2, 1L, InflightState.AWAITING_PUBCOMP),
                org.assertj.core.groups.Tuple.tuple(3, 2L, InflightState.AWAITING_PUBREC));
        assertThat(payload(s.inflight().get(0))).isEqualTo("m0");
        assertThat(s.inflight().get(1).delivery()).isNull();
        assertThat(payload(s.inflight().get(2))).isEqualTo("m2");
        assertThat(s.queued()).extracting(QueuedDelivery::sequence).containsExactly(3L, 4L, 5L);
        assertThat(s.queued()).extracting(d -> new String(d.delivery().message().payload(), StandardCharsets.UTF_8))
                .containsExactly("m3", "m4", "m5");
        assertThat(s.inboundQos2()).containsExactly(7);
        assertThat(s.nextSequence()).isEqualTo(6);
        assertThat(session.queue().inflightCount()).isEqualTo(3);
        assertThat(session.queue().pendingMessages()).isEqualTo(3);
        assertThat(SessionSnapshot.deliveries(session)).hasSize(5); // m1 let go of its message at PUBREC
    }
}
