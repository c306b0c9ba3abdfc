package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.session.FakeConnection.Sent;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A message that waits (queued, or unacknowledged while its client is behind or offline) holds a payload buffer of its
 * own, not the read buffer it arrived in; one that goes out at once is not copied.
 */
class OwnPayloadTest {
    private final TestSessions sessions = new TestSessions();
    private Session session;
    /** Stands for a connection's read buffer: 64 KiB, the payloads are slices of it. */
    private ByteBuf read;
    private int at;

    @BeforeEach
    void readBuffer() {
        read = Unpooled.directBuffer(65536);
        read.writeZero(65536);
        session = sessions.session(BrokerConfig.defaults());
    }

    @AfterEach
    void releaseAll() {
        session.end();
        read.release();
        sessions.close();
    }

    /** A delivery whose payload is a slice of the read buffer, as the decoder makes it. */
    private Delivery sliced(String payload, int qos) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        read.setBytes(at, bytes);
        ByteBuf slice = read.retainedSlice(at, bytes.length);
        at += bytes.length;
        return new Delivery(new Message("t", qos, false, slice, MqttProperties.EMPTY, Message.NEVER, "p"), qos, false,
                Delivery.NO_IDS);
    }

    @Test
    @DisplayName("Sent in the drain it arrived in, a QoS 1 message keeps its slice while in flight: no copy")
    void sentAtOnceIsNotCopied() {
        session.attach(new FakeConnection(10));
        session.offer(sliced("m0", 1));
        sessions.run();
        assertThat(session.queue().inflightCount()).isEqualTo(1);
        assertThat(read.refCnt()).as("ours and the window's").isEqualTo(2);
        assertThat(sessions.metrics.payloadsCopied.sum()).isZero();
    }

    @Test
    @DisplayName("Behind a full quota, the queued messages and those in flight get payloads of their own, let go of "
            + "the read buffer, and still go out intact, in order")
    void queuedAndInflightWhenBehindAreCopied() {
        FakeConnection c = new FakeConnection(1);
        session.attach(c);
        for (int i = 0; i < 3; i++) {
            session.offer(sliced("m" + i, 1));
        }
        sessions.run();
        assertThat(session.queue().pendingMessages()).isEqualTo(2);
        assertThat(read.refCnt()).as("only ours: no waiting message holds the read buffer").isEqualTo(1);
        assertThat(session.queue().pendingBytes()).isEqualTo(4);
        assertThat(sessions.metrics.payloadsCopied.sum()).as("m0 in flight, m1 and m2 queued").isEqualTo(3);

        assertThat(session.onPubAck(1)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(session.onPubAck(2)).isEqualTo(AckOutcome.ACCEPTED);
        assertThat(c.published).containsExactly(new Sent(1, false, 1, "m0"), new Sent(2, false, 1, "m1"),
                new Sent(3, false, 1, "m2"));
    }

    @Test
    @DisplayName("For an offline persistent session the queued messages are copied; the next connection gets them "
            + "intact")
    void offlineQueueIsCopied() {
        session.offer(sliced("a", 1));
        session.offer(sliced("bb", 1));
        sessions.run();
        assertThat(read.refCnt()).isEqualTo(1);
        FakeConnection c = new FakeConnection(10);
        session.attach(c);
        assertThat(c.published).containsExactly(new Sent(1, false, 1, "a"), new Sent(2, false, 1, "bb"));
    }

    @Test
    @DisplayName("In flight when the client goes offline, a message gets a payload of its own and is re-sent intact")
    void inflightOfflineIsCopied() {
        FakeConnection first = new FakeConnection(10);
        session.attach(first);
        session.offer(sliced("kept", 1));
        sessions.run();
        assertThat(read.refCnt()).isEqualTo(2);
        session.detach(first);
        session.offer(sliced("next", 1)); // the drain finds the client offline
        sessions.run();
        assertThat(read.refCnt()).isEqualTo(1);
        FakeConnection second = new FakeConnection(10);
        session.attach(second);
        assertThat(second.published).containsExactly(new Sent(1, true, 1, "kept"), new Sent(2, false, 1, "next"));
    }

    @Test
    @DisplayName("A session handed to another node of a cluster copies nothing meanwhile: the deliveries its snapshot "
            + "read stay the same objects, which the move tells from those that came later (a copy went twice)")
    void handedOverSessionKeepsItsDeliveries() {
        FakeConnection c = new FakeConnection(10);
        session.attach(c);
        session.offer(sliced("in-flight", 1));
        sessions.run();
        session.detach(c);
        session.offer(sliced("in-the-inbox", 1)); // drained by the snapshot itself
        session.transfer().handingOver(true);
        java.util.List<Delivery> read = new java.util.ArrayList<>();
        SessionSnapshot.of(session, read);
        session.offer(sliced("after", 1)); // the drain finds the client offline
        sessions.run();

        java.util.List<Delivery> held = SessionSnapshot.deliveries(session);
        assertThat(held).hasSize(3);
        assertThat(held.get(0)).isSameAs(read.get(0));
        assertThat(held.get(1)).isSameAs(read.get(1));
        assertThat(sessions.metrics.payloadsCopied.sum()).isZero();
    }

    @Test
    @DisplayName("A payload that is a buffer of its own, or most of the buffer it is a slice of, is left as it is")
    void ownOrLargeIsLeftAlone() {
        Delivery own = TestSessions.delivery("own", 1);
        assertThat(OwnPayload.of(own, sessions.metrics.payloadsCopied)).isSameAs(own);
        ByteBuf big = read.retainedSlice(0, 40_000);
        Delivery large = new Delivery(new Message("t", 1, false, big, MqttProperties.EMPTY, Message.NEVER, "p"), 1,
                false, Delivery.NO_IDS);
        assertThat(OwnPayload.of(large, sessions.metrics.payloadsCopied)).isSameAs(large);
        assertThat(sessions.metrics.payloadsCopied.sum()).isZero();
        own.release();
        large.release();
    }
}
