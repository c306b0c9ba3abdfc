package io.midge.broker.session;

import static io.midge.broker.session.TestSessions.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.session.FakeConnection.Sent;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A session's outbound window (quota, packet identifiers, acknowledgements, re-sends), with a fake connection. */
class OutboundWindowTest {
    private final TestSessions sessions = new TestSessions();
    private Session session;

    @AfterEach
    void releaseAll() {
        if (session != null) {
            session.end();
        }
        sessions.close();
    }

    private FakeConnection attached(int quota) {
        session = sessions.session(BrokerConfig.defaults());
        FakeConnection c = new FakeConnection(quota);
        session.attach(c);
        return c;
    }

    @Test
    @DisplayName("QoS 1 sends fill the quota under identifiers 1, 2, ...; a PUBACK makes room for the next one")
    void quotaAndPubAck() {
        FakeConnection c = attached(2);
        for (int i = 0; i < 4; i++) {
            session.offer(delivery("m" + i, 1));
        }
        sessions.run();
        assertThat(c.published).containsExactly(new Sent(1, false, 1, "m0"), new Sent(2, false, 1, "m1"));
        assertThat(c.flushes).isEqualTo(1); // one flush for the batch
        assertThat(session.queue().inflightCount()).isEqualTo(2);
        assertThat(session.queue().pendingMessages()).isEqualTo(2);

        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.published).last().isEqualTo(new Sent(3, false, 1, "m2"));
        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.NOT_IN_FLIGHT); // a late duplicate
        assertThat(session.onPubAck(99)).isEqualTo(AckOutcome.NOT_IN_FLIGHT);
        assertThat(session.queue().inflightCount()).isEqualTo(2);
        assertThat(sessions.metrics.messagesSent()).isEqualTo(3);
    }

    @Test
    @DisplayName("QoS 2: PUBREC answers PUBREL (again for a repeated PUBREC), PUBCOMP ends it; wrong kinds say so")
    void qos2Flow() {
        FakeConnection c = attached(10);
        session.offer(delivery("two", 2));
        session.offer(delivery("one", 1));
        sessions.run();
        assertThat(c.packetIds()).containsExactly(1, 2);

        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.WRONG_KIND);
        assertThat(session.onPubComp(1)).isEqualTo(AckOutcome.WRONG_KIND);
        assertThat(session.onPubRec(2, false)).isEqualTo(AckOutcome.WRONG_KIND);
        assertThat(c.pubRels).isEmpty();

        assertThat(session.onPubRec(1, false)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.pubRels).containsExactly(1);
        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.WRONG_KIND); // awaits PUBCOMP now
        assertThat(session.onPubRec(1, false)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.pubRels).containsExactly(1, 1);
        assertThat(session.onPubComp(1)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(session.onPubComp(1)).isEqualTo(AckOutcome.NOT_IN_FLIGHT);
        assertThat(session.queue().inflightCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("A PUBREC with an error code ends the QoS 2 flow without PUBREL and makes room")
    void failedPubRec() {
        FakeConnection c = attached(1);
        session.offer(delivery("refused", 2));
        session.offer(delivery("next", 2));
        sessions.run();
        assertThat(c.payloads()).containsExactly("refused");
        assertThat(session.onPubRec(1, true)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.pubRels).isEmpty();
        assertThat(c.published).last().isEqualTo(new Sent(2, false, 2, "next"));
        assertThat(session.queue().inflightCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("Packet identifiers wrap from 65535 to 1 and skip those still in flight")
    void packetIdsWrapAndSkip() {
        session = sessions.session(BrokerConfig.defaults());
        session.transfer().restoreInflight(1, Delivery.NOT_STORED, null); // PUBREL sent under 1, awaiting PUBCOMP
        FakeConnection c = new FakeConnection(2);
        session.attach(c);
        assertThat(c.pubRels).containsExactly(1);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 65_535; i++) {
            session.offer(new Delivery(new Message("t", 1, false, Unpooled.EMPTY_BUFFER, MqttProperties.EMPTY,
                    Message.NEVER, null), 1, false, Delivery.NO_IDS));
            sessions.run();
            int id = c.published.get(c.published.size() - 1).packetId();
            ids.add(id);
            assertThat(session.onPubAck(id)).isEqualTo(AckOutcome.ACCEPTED);
        }
        assertThat(ids.get(0)).isEqualTo(2);
        assertThat(ids.get(65_533)).isEqualTo(65_535);
        assertThat(ids.get(65_534)).isEqualTo(2); // 1 is still in flight
        assertThat(session.onPubComp(1)).isEqualTo(AckOutcome.ACCEPTED);
    }

    @Test
    @DisplayName("A new connection gets what is in flight again (PUBLISH with DUP, PUBREL) in order, then the queue")
    void reconnectResends() {
        FakeConnection first = attached(10);
        session.offer(delivery("m0", 1));
        session.offer(delivery("m1", 2));
        sessions.run();
        session.onPubRec(2, false);
        assertThat(session.detach(first)).isTrue();
        assertThat(session.isOnline()).isFalse();
        assertThat(session.detach(first)).isFalse();

        Delivery qos0 = delivery("offline qos0", 0);
        session.offer(qos0);
        session.offer(delivery("m2", 1));
        sessions.run();
        assertThat(qos0.message().payload().refCnt()).isZero();
        assertThat(sessions.metrics.droppedOffline.sum()).isEqualTo(1);

        FakeConnection second = new FakeConnection(10);
        session.attach(second);
        assertThat(second.published).containsExactly(new Sent(1, true, 1, "m0"), new Sent(3, false, 1, "m2"));
        assertThat(second.pubRels).containsExactly(2);
        assertThat(session.isAttached(second)).isTrue();
        assertThat(first.published).hasSize(2);
    }

    @Test
    @DisplayName("In flight beyond a lower quota of the new connection waits, and goes out with DUP as acks make room")
    void heldBackUntilAcknowledged() {
        session = sessions.session(BrokerConfig.defaults());
        for (int id = 7; id <= 9; id++) {
            session.transfer().restoreInflight(id, Delivery.NOT_STORED, delivery("r" + id, 1));
        }
        session.offer(delivery("queued", 1));
        sessions.run();
        FakeConnection c = new FakeConnection(2);
        session.attach(c);
        assertThat(c.published).containsExactly(new Sent(7, true, 1, "r7"), new Sent(8, true, 1, "r8"));
        assertThat(session.queue().inflightCount()).isEqualTo(3);

        session.onPubAck(7);
        assertThat(c.published).last().isEqualTo(new Sent(9, true, 1, "r9"));
        assertThat(c.published).hasSize(3); // the queued one waits behind the resends
        session.onPubAck(8);
        assertThat(c.published).last().isEqualTo(new Sent(1, false, 1, "queued"));
    }

    @Test
    @DisplayName("A stored QoS 2 PUBLISH, and what follows it, goes out once its in-flight record is written; PUBREL "
            + "once the receipt is")
    void storedQos2WaitsForTheStore() {
        HeldStore store = new HeldStore();
        session = sessions.session(BrokerConfig.defaults(), store);
        session.setStored(true);
        FakeConnection c = new FakeConnection(10);
        session.attach(c);
        session.offer(delivery("two", 2).storedAs(session.reserveSequence(), null));
        session.offer(delivery("one", 1).storedAs(session.reserveSequence(), null));
        session.offer(delivery("zero", 0));
        sessions.run();
        assertThat(c.published).isEmpty();
        assertThat(store.held()).isPositive();
        assertThat(session.onPubRec(1, false)).isEqualTo(AckOutcome.NOT_IN_FLIGHT); // not on the wire yet

        store.completeAll();
        assertThat(c.payloads()).containsExactly("two", "one", "zero");
        assertThat(c.packetIds()).containsExactly(1, 2, 0);

        assertThat(session.onPubRec(1, false)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.pubRels).isEmpty();
        assertThat(session.onPubRec(1, false)).isEqualTo(AckOutcome.ACCEPTED); // still waiting: no PUBREL yet either
        assertThat(c.pubRels).isEmpty();
        store.completeAll();
        assertThat(c.pubRels).containsExactly(1);
        assertThat(session.onPubComp(1)).isEqualTo(AckOutcome.ACCEPTED);
    }

    @Test
    @DisplayName("A message too large for the client is dropped as if acknowledged, and counted")
    void tooLarge() {
        FakeConnection c = attached(10);
        c.maxPayload = 3;
        Delivery big = delivery("too large", 1);
        session.offer(big);
        session.offer(delivery("ok", 1));
        sessions.run();
        assertThat(big.message().payload().refCnt()).isZero();
        assertThat(sessions.metrics.droppedTooLarge.sum()).isEqualTo(1);
        assertThat(c.published).containsExactly(new Sent(2, false, 1, "ok"));
        assertThat(session.queue().inflightCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("MQTT-3.1.2-25: a message left in flight that is too large for the next connection is dropped as if "
            + "acknowledged, its payload released once")
    void inFlightTooLargeForTheNextConnection() {
        FakeConnection first = attached(10);
        Delivery big = delivery("large one", 1);
        session.offer(big);
        sessions.run();
        assertThat(first.published).hasSize(1);
        session.detach(first);
        FakeConnection second = new FakeConnection(10);
        second.maxPayload = 3;
        session.attach(second);
        assertThat(second.published).isEmpty();
        assertThat(big.message().payload().refCnt()).isZero();
        assertThat(sessions.metrics.droppedTooLarge.sum()).isEqualTo(1);
        assertThat(session.queue().inflightCount()).isZero();
    }

    @Test
    @DisplayName("Nothing goes out while the socket is not writable; writable() resumes the sends")
    void waitsForWritable() {
        FakeConnection c = attached(10);
        c.writable = false;
        session.offer(delivery("m0", 0));
        sessions.run();
        assertThat(c.published).isEmpty();
        assertThat(session.queue().pendingMessages()).isEqualTo(1);
        c.writable = true;
        session.writable();
        assertThat(c.payloads()).containsExactly("m0");
        assertThat(session.queue().pendingMessages()).isZero();
    }

    @Test
    @DisplayName("Expired messages and those the client may not read are dropped unsent, and counted")
    void expiredAndWithheld() {
        FakeConnection c = attached(10);
        c.deniedTopic = "secret";
        Delivery expired = new Delivery(new Message("t", 1, false, Unpooled.copiedBuffer(new byte[] {1}),
                MqttProperties.EMPTY, System.nanoTime() - 1, null), 1, false, Delivery.NO_IDS);
        Delivery denied = delivery("secret", "s", 1);
        session.offer(expired);
        session.offer(denied);
        session.offer(delivery("fine", 1));
        sessions.run();
        assertThat(c.published).containsExactly(new Sent(1, false, 1, "fine"));
        assertThat(sessions.metrics.droppedExpired.sum()).isEqualTo(1);
        assertThat(sessions.metrics.deliveriesWithheld.sum()).isEqualTo(1);
        assertThat(expired.message().payload().refCnt()).isZero();
        assertThat(denied.message().payload().refCnt()).isZero();
    }
}
