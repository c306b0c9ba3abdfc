package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.property.PropertyId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static io.midge.client.testing.Failures.failureOf;
import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The client obeys the limits the broker sets in CONNACK. Midge enforces them itself (more than Receive Maximum
 * unacknowledged: DISCONNECT 0x93; an alias above Topic Alias Maximum: 0x94; a packet over Maximum Packet Size:
 * 0x95), so a connection that stays up through a burst proves the client kept to them.
 */
class BrokerLimitsTest {

    @Test
    void aBurstOfQos1And2PublishesStaysWithinTheBrokersReceiveMaximum() {
        AtomicInteger losses = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(RECEIVE_MAXIMUM, 3));
             MidgeClient client = MidgeClient.builder().port(broker.port()).reconnect(ReconnectPolicy.none())
                     .build()) {
            client.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            ConnectResult connected = client.connect().join();
            assertThat(connected.receiveMaximum()).isEqualTo(3);

            List<CompletableFuture<PublishResult>> results = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                results.add(client.publish(OutgoingMessage.of("burst/" + (i % 7), "p" + i, 1 + i % 2)));
            }
            results.forEach(CompletableFuture::join);
            assertThat(client.isConnected()).isTrue();
            assertThat(losses).hasValue(0);
        }
    }

    @Test
    void aPublishOverTheBrokersMaximumPacketSizeFailsWithoutBeingSent() {
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(MAX_PACKET_SIZE, 512));
             MidgeClient client = MidgeClient.builder().port(broker.port()).build()) {
            assertThat(client.connect().join().maximumPacketSize()).isEqualTo(512);

            CompletableFuture<PublishResult> big = client.publish(OutgoingMessage.of("big", new byte[600], 1));
            assertThat(failureOf(big).kind()).isEqualTo(MqttClientException.Kind.OVER_BROKER_LIMIT);

            assertThat(client.publish(OutgoingMessage.of("small", new byte[100], 1)).join().reasonCode().isError())
                    .isFalse();
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void topicAliasesStayWithinTheBrokersMaximumAndMessagesKeepTheirTopics() {
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        AtomicInteger losses = new AtomicInteger();
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(TOPIC_ALIAS_MAXIMUM, 2));
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).onMessage(received::add).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).build()) {
            publisher.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    losses.incrementAndGet();
                }
            });
            subscriber.connect().join();
            subscriber.subscribe("alias/#", 1).join();
            assertThat(publisher.connect().join().topicAliasMaximum()).isEqualTo(2);

            List<String> sent = new ArrayList<>();
            List<CompletableFuture<PublishResult>> results = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int t = 0; t < 5; t++) {
                    sent.add("alias/topic" + t);
                    results.add(publisher.publish(OutgoingMessage.of("alias/topic" + t, "r" + round, 1)));
                }
            }
            results.forEach(CompletableFuture::join);
            await().until(() -> received.size() == sent.size());
            assertThat(received).extracting(IncomingMessage::topic).containsExactlyElementsOf(sent);
            assertThat(losses).hasValue(0);
        }
    }

    @Test
    void theBrokersTopicAliasesAreResolvedAndNotPassedOn() {
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).topicAliasMaximum(2)
                     .onMessage(received::add).reconnect(ReconnectPolicy.none()).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).useTopicAliases(false).build()) {
            subscriber.connect().join();
            subscriber.subscribe("aliased/#", 1).join();
            publisher.connect().join();
            List<String> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int t = 0; t < 4; t++) {
                    sent.add("aliased/topic" + t);
                    publisher.publish(OutgoingMessage.of("aliased/topic" + t, "r" + round, 1)).join();
                }
            }
            await().until(() -> received.size() == sent.size());
            assertThat(received).extracting(IncomingMessage::topic).containsExactlyElementsOf(sent);
            assertThat(received).allSatisfy(m -> assertThat(m.properties().contains(PropertyId.TOPIC_ALIAS))
                    .isFalse());
            assertThat(subscriber.isConnected()).isTrue();
        }
    }

    @Test
    void mqtt311PublishesNeedNoProperties() {
        try (MidgeBroker broker = MidgeBroker.start(c -> c.set(RECEIVE_MAXIMUM, 2));
             MidgeClient client = MidgeClient.builder().port(broker.port()).version(MqttVersion.MQTT_3_1_1)
                     .build()) {
            client.connect().join();
            PublishResult r = client.publish(OutgoingMessage.builder("v3").payload("x").qos(1)
                    .userProperty("dropped", "in 3.1.1").build()).join();
            assertThat(r.reasonCode().isError()).isFalse();
        }
    }
}
