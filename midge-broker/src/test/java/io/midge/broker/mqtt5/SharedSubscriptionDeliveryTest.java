package io.midge.broker.mqtt5;

import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Shared subscriptions, {@code $share/<group>/<filter>} (MQTT 5.0 section 4.8.2), end to end. */
class SharedSubscriptionDeliveryTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    /** Paho members of one share group, each recording what it receives. */
    private final class Members implements AutoCloseable {
        final List<MqttClient> clients = new ArrayList<>();
        final Map<String, List<String>> received = new ConcurrentHashMap<>();

        Members(String prefix, int count, String sharedFilter) throws Exception {
            for (int i = 1; i <= count; i++) {
                String id = prefix + "-" + i;
                List<String> inbox = new CopyOnWriteArrayList<>();
                received.put(id, inbox);
                MqttClient client = new MqttClient(broker.uri(), id, new MemoryPersistence());
                clients.add(client);
                client.setCallback(new PahoInbox((topic, m) -> inbox.add(new String(m.getPayload(),
                        StandardCharsets.UTF_8))));
                client.connect(new MqttConnectionOptions());
                client.subscribe(sharedFilter, 1);
            }
        }

        List<String> all() {
            return received.values().stream().flatMap(List::stream).toList();
        }

        @Override
        public void close() {
            PahoInbox.close(clients.toArray(MqttClient[]::new));
        }
    }

    private void publishNumbered(String topic, int from, int to) throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "share-pub-" + topic.replace('/', '-') + "-" + from)) {
            for (int i = from; i <= to; i++) {
                pub.send(publish(topic, 1, i, MqttProperties.EMPTY, "m" + i));
                assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            }
            RawV5.disconnect(pub);
        }
    }

    private static List<String> numbered(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "m" + i).toList();
    }

    @Test
    @DisplayName("§4.8.2: each message goes to exactly one member, and the load is spread over all of them")
    void eachMessageReachesExactlyOneMember() throws Exception {
        try (Members members = new Members("share-a", 3, "$share/workers/share/a/#")) {
            publishNumbered("share/a/jobs", 1, 30);

            await().until(() -> members.all().size() >= 30);
            assertThat(members.all()).hasSize(30).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(numbered(1, 30));
            assertThat(members.received.values()).allSatisfy(inbox -> assertThat(inbox).isNotEmpty());
        }
    }

    @Test
    @DisplayName("§4.8.2: after a member disconnects, every following message reaches the remaining members")
    void noMessageIsLostWhenAMemberLeaves() throws Exception {
        try (Members members = new Members("share-b", 3, "$share/workers/share/b")) {
            publishNumbered("share/b", 1, 6);
            await().until(() -> members.all().size() == 6);

            MqttClient leaving = members.clients.get(0);
            leaving.disconnect();
            await().until(() -> broker.broker().sessions().get("share-b-1") == null);
            members.received.values().forEach(List::clear);

            publishNumbered("share/b", 7, 30);
            await().until(() -> members.all().size() >= 30 - 6);
            assertThat(members.all()).containsExactlyInAnyOrderElementsOf(numbered(7, 30));
            assertThat(members.received.get("share-b-1")).isEmpty();
            assertThat(members.received.get("share-b-2")).isNotEmpty();
            assertThat(members.received.get("share-b-3")).isNotEmpty();
        }
    }

    @Test
    @DisplayName("§4.8.2: an offline member with a persistent session is passed over while others are online")
    void anOfflineMemberIsPassedOver() throws Exception {
        try (Members online = new Members("share-c", 2, "$share/workers/share/c")) {
            try (RawClient sleeper = RawV5.connect(broker.port(), "share-c-sleeper", true,
                    props(PropertyId.SESSION_EXPIRY_INTERVAL, 60))) {
                RawV5.subscribe(sleeper, "$share/workers/share/c", 1);
                RawV5.disconnect(sleeper);
            }
            await().until(() -> !broker.broker().sessions().get("share-c-sleeper").isOnline());

            publishNumbered("share/c", 1, 20);
            await().until(() -> online.all().size() >= 20);
            assertThat(online.all()).containsExactlyInAnyOrderElementsOf(numbered(1, 20));
            assertThat(broker.broker().sessions().get("share-c-sleeper").queue().pendingMessages()).isZero();
        }
    }

    @Test
    @DisplayName("§4.8.2 (SHOULD): QoS 1 messages in flight to a member whose session ends go to another member")
    void inflightMessagesOfAnEndedSessionGoToAnotherMember() throws Exception {
        List<String> steady = new CopyOnWriteArrayList<>();
        MqttClient steadyMember = new MqttClient(broker.uri(), "share-d-steady", new MemoryPersistence());
        try (RawClient silent = RawV5.connect(broker.port(), "share-d-silent", true,
                props(PropertyId.RECEIVE_MAXIMUM, 2))) {
            // The silent member takes messages and never acknowledges them: 2 in flight, the rest queued for it.
            RawV5.subscribe(silent, "$share/workers/share/d", 1);
            steadyMember.setCallback(new PahoInbox((topic, m) ->
                    steady.add(new String(m.getPayload(), StandardCharsets.UTF_8))));
            steadyMember.connect(new MqttConnectionOptions());
            steadyMember.subscribe("$share/workers/share/d", 1);

            publishNumbered("share/d", 1, 10);
            List<String> unacknowledged = List.of(text(silent.receive(Publish.class)),
                    text(silent.receive(Publish.class)));
            await().until(() -> steady.size() >= 4);

            // The silent member vanishes; with Session Expiry 0 its session ends at once.
            silent.close();

            await().until(() -> steady.size() >= 10);
            assertThat(steady).containsExactlyInAnyOrderElementsOf(numbered(1, 10));
            assertThat(steady).containsAll(unacknowledged);
            assertThat(broker.broker().metrics().sharedHandedOn.sum()).isGreaterThanOrEqualTo(2);
        } finally {
            PahoInbox.close(steadyMember);
        }
    }

    @Test
    @DisplayName("§4.8.2: the unacknowledged messages of a member that went offline go to another member once its "
            + "session expires")
    void messagesOfAnExpiredMemberGoToAnotherMember() throws Exception {
        List<String> steady = new CopyOnWriteArrayList<>();
        MqttClient steadyMember = new MqttClient(broker.uri(), "share-i-steady", new MemoryPersistence());
        try (RawClient leaving = RawV5.connect(broker.port(), "share-i-leaving", true,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 1, PropertyId.RECEIVE_MAXIMUM, 1))) {
            RawV5.subscribe(leaving, "$share/workers/share/i", 1);
            steadyMember.setCallback(new PahoInbox((topic, m) ->
                    steady.add(new String(m.getPayload(), StandardCharsets.UTF_8))));
            steadyMember.connect(new MqttConnectionOptions());
            steadyMember.subscribe("$share/workers/share/i", 1);

            publishNumbered("share/i", 1, 6);
            String unacknowledged = text(leaving.receive(Publish.class));
            leaving.close(); // gone without DISCONNECT; its session waits a second for it
            await().until(() -> steady.size() >= 6);
            assertThat(steady).containsExactlyInAnyOrderElementsOf(numbered(1, 6)).contains(unacknowledged);
            assertThat(broker.broker().sessions().get("share-i-leaving")).isNull();
        } finally {
            PahoInbox.close(steadyMember);
        }
    }

    @Test
    @DisplayName("§4.8.2: two groups each get a copy, and so does a plain subscription")
    void eachGroupAndEachPlainSubscriptionGetsACopy() throws Exception {
        try (RawClient g1 = RawV5.connect(broker.port(), "share-e-g1");
             RawClient g2 = RawV5.connect(broker.port(), "share-e-g2");
             RawClient plain = RawV5.connect(broker.port(), "share-e-plain")) {
            RawV5.subscribe(g1, "$share/one/share/e", 0);
            RawV5.subscribe(g2, "$share/two/share/e", 0);
            RawV5.subscribe(plain, "share/e", 0);
            publishNumbered("share/e", 1, 1);
            for (RawClient client : List.of(g1, g2, plain)) {
                Publish p = client.receive(Publish.class);
                assertThat(p.topic()).isEqualTo("share/e");
                assertThat(text(p)).isEqualTo("m1");
            }
        }
    }

    @Test
    @DisplayName("§4.8.2: retained messages are not sent when a shared subscription is made")
    void noRetainedMessagesOnASharedSubscription() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "share-f-pub");
             RawClient member = RawV5.connect(broker.port(), "share-f-member")) {
            pub.send(new Publish("share/f", 1, true, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer("retained".getBytes(StandardCharsets.UTF_8))));
            pub.receive(PubAck.class);
            RawV5.subscribe(member, "$share/g/share/f", 1);
            assertThat(member.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.8.3-4: No Local on a shared subscription is a protocol error (DISCONNECT 0x82)")
    void noLocalOnASharedSubscriptionIsAProtocolError() throws Exception {
        try (RawClient client = RawV5.connect(broker.port(), "share-g")) {
            client.send(new Subscribe(1, List.of(new Subscription("$share/g/share/g", 1, true, false, 0)),
                    MqttProperties.EMPTY));
            assertThat(RawV5.awaitDisconnect(client).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("§4.8.2: a Paho publisher's QoS 1 messages to a group reach it once each")
    void pahoPublisherToAGroup() throws Exception {
        try (Members members = new Members("share-h", 2, "$share/g/share/h")) {
            MqttClient pub = new MqttClient(broker.uri(), "share-h-pub", new MemoryPersistence());
            try {
                pub.connect(new MqttConnectionOptions());
                for (int i = 1; i <= 10; i++) {
                    pub.publish("share/h", new MqttMessage(("m" + i).getBytes(StandardCharsets.UTF_8), 1, false,
                            null));
                }
            } finally {
                PahoInbox.close(pub);
            }
            await().until(() -> members.all().size() >= 10);
            assertThat(members.all()).containsExactlyInAnyOrderElementsOf(numbered(1, 10));
        }
    }
}
