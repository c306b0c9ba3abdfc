package io.midge.broker.session;

import static io.midge.broker.session.TestSessions.delivery;
import static io.midge.broker.session.TestSessions.takeQueued;
import static org.assertj.core.api.Assertions.assertThat;

import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static io.midge.broker.config.ConfigKeys.QUEUE_QOS0;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.routing.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The mailbox's bounds, drop policies and drain batching, on an embedded loop. */
class SessionMailboxTest {
    private final TestSessions sessions = new TestSessions();
    private Session session;
    private SessionMailbox mailbox;
    private int drains;

    private void open(BrokerConfig.Builder config) {
        BrokerConfig c = config.build();
        session = sessions.session(c);
        mailbox = new SessionMailbox(session, c,
                sessions.metrics) {
            @Override
            public void run() { // the drain task: counted, and this mailbox drained (not the session's own)
                drains++;
                drain();
            }
        };
    }

    @AfterEach
    void releaseAll() {
        mailbox.clear();
        sessions.close();
    }

    @Test
    @DisplayName("DROP_NEW: past maxQueuedMessages offers are refused and counted, and the caller keeps the message")
    void dropNewRefusesBeyondTheBound() {
        open(BrokerConfig.builder().set(MAX_QUEUED_MESSAGES, 3).set(QUEUE_OVERFLOW, QueueOverflow.DROP_NEW));
        List<Boolean> taken = new ArrayList<>();
        List<Delivery> refused = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Delivery d = delivery("m" + i, 1);
            boolean ok = mailbox.offer(d);
            taken.add(ok);
            if (!ok) {
                refused.add(d);
            }
        }
        assertThat(taken).containsExactly(true, true, true, false, false);
        assertThat(mailbox.pendingMessages()).isEqualTo(3);
        assertThat(sessions.metrics.droppedQueueFull.sum()).isEqualTo(2);
        assertThat(refused).allSatisfy(d -> assertThat(d.message().payload().refCnt()).isEqualTo(1));
        refused.forEach(Delivery::release);

        sessions.run();
        assertThat(takeQueued(mailbox)).containsExactly("m0", "m1", "m2");
        assertThat(mailbox.pendingMessages()).isZero();
        assertThat(mailbox.pendingBytes()).isZero();
    }

    @Test
    @DisplayName("maxQueuedBytes: a message that does not fit in bytes gives its message reservation back")
    void byteBoundRefusesAndRollsBack() {
        open(BrokerConfig.builder().set(MAX_QUEUED_BYTES, 10L));
        assertThat(mailbox.offer(delivery("aaaa", 1))).isTrue();
        assertThat(mailbox.offer(delivery("bbbb", 1))).isTrue();
        Delivery tooMuch = delivery("cccc", 1);
        assertThat(mailbox.offer(tooMuch)).isFalse();
        tooMuch.release();
        assertThat(mailbox.pendingMessages()).isEqualTo(2);
        assertThat(mailbox.pendingBytes()).isEqualTo(8);
        assertThat(mailbox.offer(delivery("dd", 1))).isTrue(); // exactly 10 bytes
        assertThat(mailbox.pendingBytes()).isEqualTo(10);
    }

    @Test
    @DisplayName("DROP_OLDEST: the inbox takes up to twice the bound, the drain keeps the newest and releases the rest")
    void dropOldestKeepsTheNewest() {
        open(BrokerConfig.builder().set(MAX_QUEUED_MESSAGES, 3).set(QUEUE_OVERFLOW, QueueOverflow.DROP_OLDEST));
        List<Delivery> offered = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Delivery d = delivery("m" + i, 1);
            offered.add(d);
            assertThat(mailbox.offer(d)).isTrue();
        }
        Delivery seventh = delivery("m6", 1);
        assertThat(mailbox.offer(seventh)).isFalse(); // twice the bound: falling behind, new ones go
        seventh.release();

        sessions.run();
        assertThat(mailbox.pendingMessages()).isEqualTo(3);
        assertThat(sessions.metrics.droppedQueueFull.sum()).isEqualTo(4);
        assertThat(offered.subList(0, 3)).allSatisfy(d -> assertThat(d.message().payload().refCnt()).isZero());
        assertThat(takeQueued(mailbox)).containsExactly("m3", "m4", "m5");
    }

    @Test
    @DisplayName("A moved session's tail goes behind the snapshot's queue and ahead of what came since, the inbox "
            + "drained first, and counts against the queue")
    void insertPutsTheTailInPlace() {
        open(BrokerConfig.builder());
        mailbox.restore(delivery("s0", 1));
        mailbox.restore(delivery("s1", 1));
        mailbox.offer(delivery("d0", 1)); // still in the inbox
        mailbox.insert(2, List.of(delivery("t0", 1), delivery("t1", 1)));
        assertThat(mailbox.pendingMessages()).isEqualTo(5);
        assertThat(takeQueued(mailbox)).containsExactly("s0", "s1", "t0", "t1", "d0");
        assertThat(mailbox.pendingMessages()).isZero();
    }

    @Test
    @DisplayName("Offers before the loop gets to them are drained in one task; the next offer schedules another")
    void oneDrainPerBatch() {
        open(BrokerConfig.builder());
        for (int i = 0; i < 5; i++) {
            mailbox.offer(delivery("m" + i, 0));
        }
        assertThat(drains).isZero(); // a task, even on the owner loop
        sessions.run();
        assertThat(drains).isEqualTo(1);
        assertThat(mailbox.pendingMessages()).isEqualTo(5);

        mailbox.offer(delivery("m5", 0));
        sessions.run();
        assertThat(drains).isEqualTo(2);
        assertThat(takeQueued(mailbox)).containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
    }

    @Test
    @DisplayName("What reaches an ended session's mailbox is released by the drain")
    void endedSessionReleasesOnDrain() {
        open(BrokerConfig.builder());
        session.end();
        Delivery late = delivery("late", 1);
        assertThat(mailbox.offer(late)).isTrue();
        sessions.run();
        assertThat(late.message().payload().refCnt()).isZero();
        assertThat(mailbox.pendingMessages()).isZero();
        assertThat(mailbox.peek()).isNull();
    }

    @Test
    @DisplayName("Offline, queued QoS 0 messages are dropped and counted unless queueQos0 is set")
    void offlineQos0() {
        open(BrokerConfig.builder());
        Delivery qos0 = delivery("q0", 0);
        mailbox.offer(qos0);
        mailbox.offer(delivery("q1", 1));
        sessions.run();
        mailbox.dropOfflineQos0();
        assertThat(qos0.message().payload().refCnt()).isZero();
        assertThat(sessions.metrics.droppedOffline.sum()).isEqualTo(1);
        assertThat(mailbox.pendingMessages()).isEqualTo(1);
        assertThat(takeQueued(mailbox)).containsExactly("q1");
    }

    @Test
    @DisplayName("queueQos0: offline, queued QoS 0 messages stay")
    void offlineQos0Kept() {
        open(BrokerConfig.builder().set(QUEUE_QOS0, true));
        mailbox.offer(delivery("q0", 0));
        sessions.run();
        mailbox.dropOfflineQos0();
        assertThat(sessions.metrics.droppedOffline.sum()).isZero();
        assertThat(takeQueued(mailbox)).containsExactly("q0");
    }

    @Test
    @DisplayName("Clearing releases the queue and the inbox not drained yet, and frees their room")
    void clearReleasesEverything() {
        open(BrokerConfig.builder());
        Delivery queued = delivery("queued", 1);
        Delivery inInbox = delivery("in inbox", 1);
        mailbox.offer(queued);
        sessions.run();
        mailbox.offer(inInbox);
        mailbox.clear();
        assertThat(queued.message().payload().refCnt()).isZero();
        assertThat(inInbox.message().payload().refCnt()).isZero();
        assertThat(mailbox.pendingMessages()).isZero();
        assertThat(mailbox.pendingBytes()).isZero();
    }

    @Test
    @DisplayName("A moved session's copies: the queued ones picked are taken out (counts follow), those picked as "
            + "they arrive are dropped until the time is up, the others queue in order")
    void copiesTakenOutAndDroppedAsTheyArrive() {
        open(BrokerConfig.builder());
        mailbox.offer(delivery("keep-1", 1));
        mailbox.offer(delivery("copy-1", 1));
        List<Delivery> taken = mailbox.takeQueuedIf(d -> d.message().payload().toString(StandardCharsets.UTF_8)
                .startsWith("copy"));
        assertThat(taken).hasSize(1);
        taken.forEach(Delivery::release);
        assertThat(mailbox.pendingMessages()).isEqualTo(1);

        mailbox.dropArriving(d -> d.message().payload().toString(StandardCharsets.UTF_8).startsWith("copy"),
                System.nanoTime() + 60_000_000_000L);
        mailbox.offer(delivery("copy-2", 1));
        mailbox.offer(delivery("keep-2", 1));
        sessions.run();
        assertThat(mailbox.pendingMessages()).isEqualTo(2);
        // A second pick (a move's late tail) is added to the first: both drop.
        mailbox.dropArriving(d -> d.message().payload().toString(StandardCharsets.UTF_8).startsWith("late"),
                System.nanoTime() + 60_000_000_000L);
        mailbox.offer(delivery("late-1", 1));
        mailbox.offer(delivery("copy-3", 1));
        mailbox.offer(delivery("keep-3", 1));
        sessions.run();
        assertThat(mailbox.pendingMessages()).isEqualTo(3);
        mailbox.dropArriving(d -> true, System.nanoTime() - 1); // its time up: it drops nothing
        mailbox.offer(delivery("keep-4", 1));
        sessions.run();
        assertThat(takeQueued(mailbox)).containsExactly("keep-1", "keep-2", "keep-3", "keep-4");
    }

    @Test
    @DisplayName("Copies are dropped only until their time is up: then arrivals queue again")
    void copiesDroppedUntilTheirTimeIsUp() {
        open(BrokerConfig.builder());
        mailbox.dropArriving(d -> true, System.nanoTime() - 1);
        mailbox.offer(delivery("copy-1", 1));
        sessions.run();
        assertThat(takeQueued(mailbox)).containsExactly("copy-1");
    }
}
