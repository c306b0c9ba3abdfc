package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT on a cluster node waits for the cluster's session gate at most {@link io.midge.broker.session.SessionGate#ANSWER_WITHIN_MILLIS}:
 * then the client is refused as unavailable, and what the gate answers later is still taken (a late "yes" opens the
 * session offline, a late refusal opens nothing). On EmbeddedChannels, whose clock the test moves on: the bound's
 * own value is what is tested, in no time.
 */
class SessionGateWaitTest {
    private static final long BOUND_SECONDS = TimeUnit.MILLISECONDS.toSeconds(HeldGate.ANSWER_WITHIN_MILLIS);
    private static final String TIMED_OUT = "the cluster did not answer in time";

    private final EmbeddedBroker broker = new EmbeddedBroker();
    private final HeldGate gate = new HeldGate();

    SessionGateWaitTest() {
        broker.sessions.setGate(gate);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private static MqttProperties sessionExpiry(long seconds) {
        return MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, seconds).build();
    }

    private static Will will() {
        return new Will("last/words", Binary.utf8("gone"), 1, false, MqttProperties.EMPTY);
    }

    /** A client subscribed to {@code filter} at QoS 1, its gate answered at once. */
    private EmbeddedClient subscriber(String clientId, String filter) {
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.connect(client.connectPacket(clientId, true, 0, MqttProperties.EMPTY));
        client.send(new Subscribe(1, List.of(new Subscription(filter, 1)), MqttProperties.EMPTY));
        client.received();
        return client;
    }

    /** Moves the connection's clock on by {@code seconds} and runs what fell due. */
    private static void wait(EmbeddedClient client, long seconds) {
        client.channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
    }

    @Test
    @DisplayName("MQTT 3.1.1 3.2.2.3 / 5.0 4.13: a 3.1.1 CONNECT the cluster's gate leaves unanswered is refused after "
            + "the bound with return code 3 (Server unavailable), exactly 20 02 00 03, and closed; not before")
    void refused311() {
        gate.hold("slow311");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.send(client.connectPacket("slow311", false, 0, MqttProperties.EMPTY));

        wait(client, BOUND_SECONDS - 1);
        assertThat(client.receivedBytes()).as("still waiting for the gate").isEmpty();
        assertThat(client.isOpen()).isTrue();

        wait(client, 1);
        assertThat(client.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x03);
        assertThat(client.isOpen()).isFalse();
        assertThat(broker.sessions.get("slow311")).as("nothing opened").isNull();
    }

    @Test
    @DisplayName("MQTT 5.0 3.2.2.2 / 4.13: a 5.0 CONNECT the cluster's gate leaves unanswered is refused after the "
            + "bound with CONNACK 0x88 Server unavailable and a Reason String; its will is dropped, not published")
    void refused5() {
        EmbeddedClient watcher = subscriber("watcher", "last/#");
        gate.hold("slow5");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(new Connect(MqttVersion.MQTT_5, "slow5", true, 0, null, null, will(), sessionExpiry(300)));

        wait(client, BOUND_SECONDS - 1);
        assertThat(client.received()).isEmpty();

        wait(client, 1);
        ConnAck connAck = client.receivedOnly(ConnAck.class);
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
        assertThat(connAck.sessionPresent()).isFalse();
        assertThat(connAck.properties().string(PropertyId.REASON_STRING)).contains(TIMED_OUT);
        assertThat(client.isOpen()).isFalse();

        broker.runPendingTasks();
        assertThat(watcher.received()).as("the refused client's will").isEmpty();
        assertThat(broker.metrics.willsPublished.sum()).isZero();
    }

    @Test
    @DisplayName("MQTT 5.0 4.13 (0x88): a gate that answers within the bound lets the client in, and the bound "
            + "refuses nothing afterwards")
    void answerInTime() {
        CompletableFuture<SessionGate.Refusal> answer = gate.hold("inTime");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(client.connectPacket("inTime", true, 0, MqttProperties.EMPTY));
        wait(client, BOUND_SECONDS - 1);

        answer.complete(null);
        assertThat(client.receivedOnly(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        wait(client, BOUND_SECONDS);
        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    @DisplayName("MQTT 5.0 3.2.2.2 / 4.13 (0x88): a \"yes\" from the gate after the refusal still opens the session "
            + "(it may have moved here from its old owner): offline, its subscriptions and queued message kept, "
            + "resumed by the next CONNECT; the refused will is never published")
    void lateYesOpensTheSessionOffline() {
        // The session, left on this node with a subscription.
        EmbeddedClient first = broker.client(MqttVersion.MQTT_5);
        first.connect(first.connectPacket("late", false, 0, sessionExpiry(300)));
        first.send(new Subscribe(1, List.of(new Subscription("kept/#", 1)), MqttProperties.EMPTY));
        first.received();
        first.send(Disconnect.NORMAL);
        EmbeddedClient watcher = subscriber("watcher", "last/#");

        CompletableFuture<SessionGate.Refusal> answer = gate.hold("late");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(new Connect(MqttVersion.MQTT_5, "late", false, 0, null, null, will(), sessionExpiry(300)));
        EmbeddedClient publisher = broker.client(MqttVersion.MQTT_5);
        publisher.connect("publisher", true);
        publisher.send(EmbeddedClient.publish("kept/1", 1, 1, "queued meanwhile", MqttProperties.EMPTY));
        broker.runPendingTasks();
        assertThat(publisher.receivedOnly(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);

        wait(client, BOUND_SECONDS);
        assertThat(client.receivedOnly(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
        assertThat(client.isOpen()).isFalse();

        answer.complete(null);
        broker.runPendingTasks();
        Session s = broker.sessions.get("late");
        assertThat(s).isNotNull();
        assertThat(s.isEnded()).isFalse();
        assertThat(s.isOnline()).as("no connection holds it").isFalse();
        assertThat(s.expiryIntervalSeconds()).isEqualTo(300);
        assertThat(s.clusterEpoch()).as("the epoch the gate let it open under").isEqualTo(HeldGate.EPOCH);
        assertThat(s.subscriptions()).containsOnlyKeys("kept/#");
        assertThat(gate.ended).isEmpty();
        assertThat(watcher.received()).as("the refused client's will").isEmpty();
        assertThat(broker.metrics.willsPublished.sum()).isZero();

        EmbeddedClient again = broker.client(MqttVersion.MQTT_5);
        again.send(again.connectPacket("late", false, 0, sessionExpiry(300)));
        broker.runPendingTasks();
        List<MqttPacket> resumed = again.received();
        assertThat(resumed).hasSize(2);
        assertThat(((ConnAck) resumed.get(0)).sessionPresent()).isTrue();
        assertThat(EmbeddedClient.text((Publish) resumed.get(1))).isEqualTo("queued meanwhile");
    }

    @Test
    @DisplayName("MQTT-3.1.2-6 / 5.0 4.13 (0x88): a late \"yes\" for a session that ends with its connection opens "
            + "it and ends it at once, and the gate hears it ended (the cluster's registry lets go of it)")
    void lateYesForASessionThatEndsWithItsConnection() {
        CompletableFuture<SessionGate.Refusal> answer = gate.hold("lateClean");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_3_1_1);
        client.send(new Connect(MqttVersion.MQTT_3_1_1, "lateClean", true, 0, null, null, will(),
                MqttProperties.EMPTY));
        wait(client, BOUND_SECONDS);
        assertThat(client.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x03);

        answer.complete(null);
        broker.runPendingTasks();
        assertThat(broker.sessions.get("lateClean")).isNull();
        assertThat(gate.ended).containsExactly("lateClean");
        assertThat(broker.metrics.willsPublished.sum()).isZero();
    }

    @Test
    @DisplayName("MQTT 5.0 4.13 (0x88): a refusal from the gate after the client was refused for its silence opens "
            + "nothing and answers nothing more")
    void lateRefusal() {
        CompletableFuture<SessionGate.Refusal> answer = gate.hold("lateNo");
        EmbeddedClient client = broker.client(MqttVersion.MQTT_5);
        client.send(new Connect(MqttVersion.MQTT_5, "lateNo", false, 0, null, null, will(), sessionExpiry(300)));
        wait(client, BOUND_SECONDS);
        assertThat(client.receivedOnly(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);

        answer.complete(new SessionGate.Refusal("the session is on node 'b', which is down", "b"));
        broker.runPendingTasks();
        assertThat(client.received()).isEmpty();
        assertThat(broker.sessions.get("lateNo")).isNull();
        assertThat(broker.metrics.connectionsRefused.sum()).isEqualTo(1);
    }
}
