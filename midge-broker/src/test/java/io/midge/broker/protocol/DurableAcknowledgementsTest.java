package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.PersistenceException;
import io.midge.broker.security.Authorizer;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * With a durable store, what waits for its write (CONNACK, SUBACK, PUBACK, PUBREC, PUBCOMP, the deliveries) and what
 * a failed write is answered with; the store here writes only when the test says so.
 */
class DurableAcknowledgementsTest {
    private final HeldStore store = new HeldStore();
    private final EmbeddedBroker broker = new EmbeddedBroker(BrokerConfig.defaults(), Authorizer.ALLOW_ALL, store);

    @AfterEach
    void close() {
        broker.close();
    }

    /** Completes the writes held, and runs what their completions queued on the connections' loops. */
    private void written() {
        store.completeAll();
        broker.runPendingTasks();
    }

    private static MqttProperties sessionExpiry(long seconds) {
        return MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, seconds).build();
    }

    /** A 3.1.1 subscriber with a persistent (stored) session, subscribed to the filter at QoS 1. */
    private EmbeddedClient persistentSubscriber(String filter) {
        EmbeddedClient sub = broker.client(MqttVersion.MQTT_3_1_1);
        sub.send(sub.connectPacket("sub", false, 0, MqttProperties.EMPTY));
        written();
        sub.receivedOnly(ConnAck.class);
        sub.send(new Subscribe(1, List.of(new Subscription(filter, 1)), MqttProperties.EMPTY));
        written();
        sub.receivedOnly(SubAck.class);
        return sub;
    }

    private EmbeddedClient cleanClient(MqttVersion version, String clientId) {
        EmbeddedClient client = broker.client(version);
        client.connect(clientId, true); // a clean session stores nothing: CONNACK at once
        return client;
    }

    private static List<String> payloads(List<MqttPacket> packets) {
        return packets.stream().filter(p -> p instanceof Publish).map(p -> text((Publish) p))
                .collect(Collectors.toList());
    }

    @Test
    @DisplayName("MQTT-3.1.2-4 (3.1.1): the session of clean session 0 is stored before CONNACK, so CONNACK waits for "
            + "the write")
    void connAckAfterSessionStored() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.send(client.connectPacket("p", false, 0, MqttProperties.EMPTY));
        assertThat(client.received()).isEmpty();
        assertThat(store.heldChanges()).containsExactly("putSession p");
        written();
        assertThat(client.receivedOnly(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("§3.2.2.2 (5.0): a session that cannot be stored refuses the client with CONNACK 0x88 Server "
            + "unavailable")
    void connAckWhenSessionNotStored() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(client.connectPacket("p", false, 0, sessionExpiry(60)));
        store.failAll(new PersistenceException("disk full"));
        broker.runPendingTasks();
        ConnAck connAck = client.receivedOnly(ConnAck.class);
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
        assertThat(connAck.sessionPresent()).isFalse();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-3.8.4-1, MQTT-3.1.2-4: SUBACK waits for the stored session's subscription to be written; a "
            + "failed write is answered 0x80 for each filter")
    void subAckAfterSubscriptionStored() {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(client.connectPacket("s", false, 0, sessionExpiry(60)));
        written();
        client.receivedOnly(ConnAck.class);

        client.send(new Subscribe(1, List.of(new Subscription("a", 1)), MqttProperties.EMPTY));
        assertThat(client.received()).isEmpty();
        assertThat(store.heldChanges()).containsExactly("putSubscription s a");
        written();
        assertThat(client.receivedOnly(SubAck.class).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);

        client.send(new Subscribe(2, List.of(new Subscription("b", 1), new Subscription("c", 0)),
                MqttProperties.EMPTY));
        store.failAll(new PersistenceException("disk full"));
        broker.runPendingTasks();
        assertThat(client.receivedOnly(SubAck.class).reasonCodes())
                .containsExactly(ReasonCode.UNSPECIFIED_ERROR, ReasonCode.UNSPECIFIED_ERROR);
    }

    @Test
    @DisplayName("MQTT-4.3.2-4: PUBACK only once the broker owns the message: after its queue entry for a stored "
            + "session is written; the subscriber gets it then too")
    void pubAckAfterMessageStored() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 1, 1, "durable", MqttProperties.EMPTY));
        assertThat(pub.received()).isEmpty();
        assertThat(sub.received()).isEmpty();
        assertThat(store.heldChanges()).contains("appendQueued sub");

        written();
        PubAck ack = pub.receivedOnly(PubAck.class);
        assertThat(ack.packetId()).isEqualTo(1);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(payloads(sub.received())).containsExactly("durable");
    }

    @Test
    @DisplayName("MQTT-3.1.2-22 (5.0): a client the broker stopped reading because the store is behind is not cut "
            + "off for that silence; once read again, its keep-alive is judged on its own")
    void storeBehindIsNotTheClientsSilence() {
        persistentSubscriber("t");
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_5);
        pub.connect(pub.connectPacket("pub", true, 10, MqttProperties.EMPTY));
        for (int i = 1; i <= 16; i++) {
            pub.send(publish("t", 1, i, "m" + i, MqttProperties.EMPTY)); // one pending write each: reading stops
        }
        assertThat(store.held()).isEqualTo(16);
        pub.channel.advanceTimeBy(16, TimeUnit.SECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(pub.channel.isOpen()).as("our silence, not the client's").isTrue();

        written();
        assertThat(pub.received()).hasSize(16).allMatch(p -> p instanceof PubAck);
        // The pause reached into the period that follows: forgiven too. The one after is the client's own.
        pub.channel.advanceTimeBy(15, TimeUnit.SECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(pub.channel.isOpen()).isTrue();
        pub.channel.advanceTimeBy(15, TimeUnit.SECONDS);
        pub.channel.runScheduledPendingTasks();
        assertThat(pub.received()).singleElement().isInstanceOfSatisfying(Disconnect.class,
                d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT));
    }

    @Test
    @DisplayName("MQTT-4.6.0-2, MQTT-4.6.0-5: while a publisher's write is pending, what it sends next (QoS 0 too) "
            + "waits its turn: acknowledgements and deliveries keep the order it published in")
    void orderKeptBehindPendingWrite() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        pub.sendTogether(publish("t", 1, 1, "first", MqttProperties.EMPTY),
                publish("t", 0, 0, "second", MqttProperties.EMPTY),
                publish("t", 1, 2, "third", MqttProperties.EMPTY));
        assertThat(pub.received()).isEmpty();
        assertThat(sub.received()).isEmpty();
        assertThat(store.held()).as("the batches of one read are written as one").isEqualTo(1);

        written();
        assertThat(pub.received()).extracting(p -> ((PubAck) p).packetId()).containsExactly(1, 2);
        assertThat(payloads(sub.received())).containsExactly("first", "second", "third");
    }

    @Test
    @DisplayName("§3.4.2.1 (5.0): a message the store refuses at once, being behind, is answered PUBACK 0x97 Quota "
            + "exceeded right away, not at the client's next packet, and is not delivered")
    void storeBehind5() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        store.overloaded = true;
        pub.send(publish("t", 1, 1, "behind", MqttProperties.EMPTY));
        // Before StoreOrder flushed after its write task, this PUBACK waited unflushed for the client's next read.
        PubAck quota = pub.receivedOnly(PubAck.class);
        assertThat(quota.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
        assertThat(quota.properties().string(PropertyId.REASON_STRING)).isEqualTo("the store is behind");
        assertThat(sub.received()).isEmpty();
        assertThat(pub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("§3.4.2.1 (5.0): a message whose write failed is answered PUBACK 0x80 and is not delivered")
    void storeFailed5() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 1, 2, "failed", MqttProperties.EMPTY));
        store.failAll(new PersistenceException("disk full"));
        broker.runPendingTasks();
        PubAck failed = pub.receivedOnly(PubAck.class);
        assertThat(failed.packetId()).isEqualTo(2);
        assertThat(failed.reasonCode()).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);
        assertThat(sub.received()).isEmpty();
        assertThat(pub.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT-3.3.5-2 (3.1.1): a QoS 1 message the store cannot take cannot be refused in 3.1.1: the "
            + "connection is closed without PUBACK")
    void storeRefusal311() {
        persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_3_1_1, "pub");
        pub.send(new Publish("t", 1, true, false, 1, MqttProperties.EMPTY,
                ByteBufAllocator.DEFAULT.buffer().writeByte('x')));
        store.failAll(new PersistenceException("disk full"));
        broker.runPendingTasks();
        assertThat(pub.receivedBytes()).isEmpty();
        assertThat(pub.isOpen()).isFalse();
    }

    @Test
    @DisplayName("MQTT-4.3.3-8, MQTT-4.3.3-9, MQTT-4.3.3-11 (5.0): a stored session's QoS 2 identifier is written "
            + "before PUBREC (a copy re-sent meanwhile is acknowledged after it, not delivered twice), and its "
            + "release before PUBCOMP")
    void qos2IdentifiersStored() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = broker.client(MqttVersion.MQTT_5);
        pub.send(pub.connectPacket("pub", false, 0, sessionExpiry(60)));
        written();
        pub.receivedOnly(ConnAck.class);

        pub.send(publish("t", 2, 7, "exactly once", MqttProperties.EMPTY));
        pub.send(new Publish("t", 2, false, true, 7, MqttProperties.EMPTY,
                ByteBufAllocator.DEFAULT.buffer().writeByte('x')));
        assertThat(pub.received()).isEmpty();
        assertThat(store.heldChanges()).contains("putInboundQos2 pub 7");
        written();
        assertThat(pub.received()).extracting(p -> ((PubRec) p).packetId()).containsExactly(7, 7);
        assertThat(payloads(sub.received())).containsExactly("exactly once");

        pub.send(new PubRel(7));
        assertThat(pub.received()).isEmpty();
        assertThat(store.heldChanges()).contains("removeInboundQos2 pub 7");
        written();
        PubComp comp = pub.receivedOnly(PubComp.class);
        assertThat(comp.packetId()).isEqualTo(7);
        assertThat(comp.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("MQTT-4.3.2-4: with a store that delivers before durable, a QoS 1 message reaches the subscriber at "
            + "once, and PUBACK still waits for its batch")
    void earlyDeliveryPubAckStillWaits() {
        store.deliversEarly = true;
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 1, 1, "early", MqttProperties.EMPTY));
        assertThat(payloads(sub.received())).containsExactly("early");
        assertThat(pub.received()).isEmpty();
        assertThat(store.heldChanges()).contains("appendQueued sub");

        written();
        assertThat(pub.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("MQTT-4.3.3-11, MQTT-4.6.0-5: QoS 2 is not delivered before its batch is durable (a publisher that "
            + "sends it again after a crash must not make it arrive twice), and a QoS 1 message after it waits too, "
            + "so the order holds")
    void qos2WaitsAndWhatFollowsKeepsOrder() {
        store.deliversEarly = true;
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        pub.send(publish("t", 2, 1, "first", MqttProperties.EMPTY));
        pub.send(publish("t", 1, 2, "second", MqttProperties.EMPTY));
        assertThat(sub.received()).isEmpty();
        assertThat(pub.received()).isEmpty();

        written();
        assertThat(payloads(sub.received())).containsExactly("first", "second");
        assertThat(pub.received()).hasSize(2);
    }
    @Test
    @DisplayName("MQTT-4.3.2-2: a stored subscriber's PUBACKs of one pass remove its queue entries as one run (one "
            + "range deletion, not one deletion each); a PUBACK that leaves a gap makes a second run")
    void acknowledgementsRemoveRuns() {
        EmbeddedClient sub = persistentSubscriber("t");
        EmbeddedClient pub = cleanClient(MqttVersion.MQTT_5, "pub");
        for (int i = 1; i <= 6; i++) {
            pub.send(publish("t", 1, i, "m" + i, MqttProperties.EMPTY));
        }
        written();
        List<Publish> deliveries = sub.received().stream().map(Publish.class::cast).toList();
        assertThat(payloads(List.copyOf(deliveries))).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        int[] acknowledged = {0, 1, 2, 4, 5}; // the fourth stays in flight
        for (int i : acknowledged) {
            sub.send(new PubAck(deliveries.get(i).packetId()));
        }
        written(); // the in-flight records of the sends; the removals gathered meanwhile are written after them
        List<String> removals = store.heldChanges().stream().filter(c -> c.startsWith("removeQueued")).toList();
        assertThat(removals).hasSize(2).allMatch(c -> c.matches("removeQueued sub \\d+\\.\\.\\d+"));
        long[][] runs = removals.stream().map(c -> c.substring("removeQueued sub ".length()).split("\\.\\."))
                .map(r -> new long[] {Long.parseLong(r[0]), Long.parseLong(r[1])}).toArray(long[][]::new);
        assertThat(runs[0][1] - runs[0][0]).as("the first three").isEqualTo(2);
        assertThat(runs[1][0]).as("the gap of the one in flight").isEqualTo(runs[0][1] + 2);
        assertThat(runs[1][1] - runs[1][0]).as("the last two").isEqualTo(1);
    }
}
