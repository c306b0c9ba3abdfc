package io.midge.broker.session;

import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Threads;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.testkit.RawClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every client's queue is bounded in messages and bytes; what does not fit is dropped by the configured policy and
 * counted, and a subscriber that stops reading costs the broker no more than its bound.
 */
class QueueBoundsTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    private BrokerMetrics metrics() {
        return broker.broker().metrics();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueOverflow.class)
    @DisplayName("maxQueuedMessages 10: an offline subscriber gets 10 of 50 messages, the first 10 with DROP_NEW and "
            + "the last 10 with DROP_OLDEST; the 40 others are counted as dropped")
    void offlineQueueIsBoundedInMessages(QueueOverflow overflow) throws Exception {
        broker.restart(b -> b.set(MAX_QUEUED_MESSAGES, 10).set(QUEUE_OVERFLOW, overflow));
        String id = "bounds-msgs-" + overflow;
        Inbox inbox = new Inbox();
        org.eclipse.paho.client.mqttv3.MqttClient sub = clients.offlineSubscriber(id, "bounds/msgs", 1, inbox);
        IMqttClient pub = clients.publisher(id + "-pub");
        // One at a time, each drained by the session's loop before the next: the PUBACK goes out before that loop
        // runs, and a burst that outruns it fills the mailbox to twice the bound, beyond which even DROP_OLDEST
        // drops the new messages (a documented limit, not what this test is about).
        for (int i = 0; i < 50; i++) {
            pub.publish("bounds/msgs", Clients.utf8("m" + i), 1, false);
            await().until(() -> broker.broker().sessions().get(id).queue().pendingMessages() <= 10);
        }
        // With DROP_OLDEST the session's own loop trims the queue, just after the PUBACK may have gone out.
        await().untilAsserted(() -> {
            assertThat(broker.broker().sessions().get(id).queue().pendingMessages()).isEqualTo(10);
            assertThat(metrics().droppedQueueFull.sum()).isEqualTo(40);
        });

        sub.connect(Clients.cleanSession(false));
        pub.publish("bounds/msgs", Clients.utf8("end"), 1, false);
        int first = overflow == QueueOverflow.DROP_NEW ? 0 : 40;
        List<String> expected = new ArrayList<>(IntStream.range(first, first + 10).mapToObj(i -> "m" + i).toList());
        expected.add("end");
        assertThat(inbox.awaitPayload("end")).extracting(Inbox.Received::payload).containsExactlyElementsOf(expected);
        assertThat(metrics().droppedQueueFull.sum()).isEqualTo(40);
    }

    @Test
    @DisplayName("maxQueuedBytes: an offline subscriber's queue holds at most that many payload bytes")
    void offlineQueueIsBoundedInBytes() throws Exception {
        broker.restart(b -> b.set(MAX_QUEUED_BYTES, 10_000L));
        Inbox inbox = new Inbox();
        org.eclipse.paho.client.mqttv3.MqttClient sub =
                clients.offlineSubscriber("bounds-bytes", "bounds/bytes", 1, inbox);
        IMqttClient pub = clients.publisher("bounds-bytes-pub");
        for (int i = 0; i < 50; i++) {
            byte[] payload = new byte[1000];
            payload[0] = (byte) i;
            pub.publish("bounds/bytes", payload, 1, false);
        }
        Session session = broker.broker().sessions().get("bounds-bytes");
        assertThat(session.queue().pendingBytes()).isEqualTo(10_000);
        assertThat(session.queue().pendingMessages()).isEqualTo(10);
        assertThat(metrics().droppedQueueFull.sum()).isEqualTo(40);

        sub.connect(Clients.cleanSession(false));
        List<Inbox.Received> received = inbox.await(10);
        assertThat(received).hasSize(10);
        assertThat(session.queue().pendingBytes()).isZero();
    }

    @Test
    @DisplayName("DROP_NEW: a 5.0 publisher whose only subscriber's queue is full is told 0x97 (Quota exceeded)")
    void publisherHearsQuotaExceeded() throws Exception {
        broker.restart(b -> b.set(MAX_QUEUED_MESSAGES, 3));
        clients.offlineSubscriber("bounds-quota", "bounds/quota", 1, new Inbox());
        Mqtt5BlockingClient pub = clients.hivemq("bounds-quota-pub", new Inbox());
        pub.connect();
        for (int i = 0; i < 3; i++) {
            Mqtt5PublishResult ok = pub.publishWith().topic("bounds/quota").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("fits")).send();
            assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) ok).getPubAck().getReasonCode())
                    .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        }
        Mqtt5PubAckException full = catchThrowableOfType(Mqtt5PubAckException.class, () -> pub.publishWith()
                .topic("bounds/quota").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("too many")).send());
        assertThat(full.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        assertThat(metrics().droppedQueueFull.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("A subscriber that never reads: a 50 MB flood keeps its session within maxQueuedBytes, drops and "
            + "counts the rest, writes to the socket only while it is writable, and the publisher is never held up")
    void subscriberThatNeverReadsIsBounded() throws Exception {
        long maxQueuedBytes = 1 << 20;
        int payloadSize = 10 * 1024;
        int messages = 5000; // 50 MB
        broker.restart(b -> b.set(MAX_QUEUED_BYTES, maxQueuedBytes));

        RawClient stuck = clients.track(new RawClient(broker.port()));
        stuck.connect("bounds-stuck");
        stuck.send(new Subscribe(1, List.of(new Subscription("bounds/flood", 0)), MqttProperties.EMPTY));
        stuck.receive(SubAck.class);
        // From here on nobody reads the subscriber's socket.
        Session session = broker.broker().sessions().get("bounds-stuck");

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong highestPendingBytes = new AtomicLong();
        Thread sampler = Threads.startDaemon(() -> {
            while (flooding.get()) {
                highestPendingBytes.accumulateAndGet(session.queue().pendingBytes(), Math::max);
                LockSupport.parkNanos(50_000);
            }
        });

        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("bounds-flooder")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        clients.track(() -> pub.disconnect().get(5, TimeUnit.SECONDS));
        pub.connect().get(5, TimeUnit.SECONDS);
        byte[] payload = new byte[payloadSize];
        int accepted = 0;
        int quotaExceeded = 0;
        try {
            for (int window = 0; window < messages; window += 500) {
                List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    sent.add(pub.publishWith().topic("bounds/flood").qos(MqttQos.AT_LEAST_ONCE).payload(payload)
                            .send());
                }
                for (CompletableFuture<Mqtt5PublishResult> f : sent) {
                    try {
                        f.get(20, TimeUnit.SECONDS);
                        accepted++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(Mqtt5PubAckException.class);
                        assertThat(((Mqtt5PubAckException) e.getCause()).getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                        quotaExceeded++;
                    }
                }
            }
        } finally {
            flooding.set(false);
            sampler.join();
        }

        long dropped = metrics().droppedQueueFull.sum();
        // Every publish was answered: the publisher kept going while the subscriber was stuck.
        assertThat(accepted + quotaExceeded).isEqualTo(messages);
        assertThat(dropped).isPositive().isEqualTo(quotaExceeded);
        assertThat(highestPendingBytes.get()).isLessThanOrEqualTo(maxQueuedBytes);
        // Each message was written to the socket, dropped, or is still queued.
        await().untilAsserted(() -> assertThat(metrics().messagesSent() + metrics().droppedQueueFull.sum()
                + session.queue().pendingMessages()).isEqualTo(messages));
        // The session stopped writing once the channel was not writable: it holds its queue instead of pushing
        // the flood into Netty's outbound buffer, and what it wrote is what the socket buffers took, not the flood.
        assertThat(session.queue().pendingBytes()).isGreaterThan(maxQueuedBytes / 2);
        assertThat(metrics().messagesSent() * payloadSize).isLessThan((long) messages * payloadSize / 2);
    }
}
