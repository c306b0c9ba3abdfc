package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.CharsetUtil;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle session holds: no {@link DeliveryFlow} (its mailbox, window and records) until a message comes for it,
 * since most sessions of idle devices never get one and every connection has a session (issue #13: memory per idle
 * connection).
 */
class IdleSessionTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    @Test
    @DisplayName("A connected, subscribed, idle client's session has no delivery flow, also after the management API "
            + "counted its queue; its first message makes one and arrives")
    void flowMadeAtTheFirstMessage() throws Exception {
        MqttClient sub = clients.paho("idle-a");
        Inbox inbox = new Inbox();
        sub.connect(Clients.cleanSession(false));
        sub.subscribe("idle/a", 1, inbox);
        Session session = broker.broker().sessions().get("idle-a");
        // What the management API and the bridges read of a queue: counts, made from nothing.
        assertThat(session.queue().pendingMessages()).isZero();
        assertThat(session.queue().inflightCount()).isZero();
        assertThat(session.queue().pending(0, 10)).isEmpty();
        assertThat(session.flowIfMade()).as("no flow for an idle session").isNull();

        IMqttClient pub = clients.publisher("idle-a-pub");
        pub.publish("idle/a", Clients.utf8("first"), 1, false);
        assertThat(inbox.awaitPayload("first")).extracting(Inbox.Received::payload).containsExactly("first");
        assertThat(session.flowIfMade()).isNotNull();
    }

    @Test
    @DisplayName("A persistent session that reconnects with nothing queued attaches without a flow; an acknowledgement "
            + "for an identifier never sent is tolerated as not in flight")
    void reconnectAndStrayAcknowledgementsWithoutAFlow() throws Exception {
        MqttClient sub = clients.paho("idle-b");
        sub.connect(Clients.cleanSession(false));
        sub.subscribe("idle/b", 1, new Inbox());
        sub.disconnect();
        sub.connect(Clients.cleanSession(false));
        Session session = broker.broker().sessions().get("idle-b");
        assertThat(session.isOnline()).isTrue();
        assertThat(session.flowIfMade()).isNull();
        assertThat(session.onPubAck(7)).isEqualTo(AckOutcome.NOT_IN_FLIGHT);
        assertThat(session.onPubRec(7, false)).isEqualTo(AckOutcome.NOT_IN_FLIGHT);
        assertThat(session.onPubComp(7)).isEqualTo(AckOutcome.NOT_IN_FLIGHT);
        assertThat(session.flowIfMade()).isNull();
    }

    @Test
    @DisplayName("Publishers on two threads offering a session's first messages at once make one flow between them, "
            + "which queues both")
    void firstOffersRaceToOneFlow() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (TestSessions sessions = new TestSessions()) {
            for (int round = 0; round < 200; round++) {
                Session session = sessions.session(BrokerConfig.defaults());
                CountDownLatch start = new CountDownLatch(1);
                Future<Boolean> first = threads.submit(() -> offerAfter(start, session, "one"));
                Future<Boolean> second = threads.submit(() -> offerAfter(start, session, "two"));
                start.countDown();
                assertThat(first.get(5, TimeUnit.SECONDS)).isTrue();
                assertThat(second.get(5, TimeUnit.SECONDS)).isTrue();
                assertThat(session.queue().pendingMessages()).as("round %d", round).isEqualTo(2);
                session.end(); // releases both
                sessions.run();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static boolean offerAfter(CountDownLatch start, Session session, String text) throws InterruptedException {
        start.await();
        Message m = new Message("race/" + text, 1, false,
                ByteBufAllocator.DEFAULT.buffer().writeBytes(text.getBytes(CharsetUtil.UTF_8)), MqttProperties.EMPTY,
                Message.NEVER, "publisher");
        return session.offer(new Delivery(m, 1, false, new int[0], false));
    }
}
