package io.midge.broker.session;

import static io.midge.broker.config.ConfigKeys.MAX_SESSION_EXPIRY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MQTT 5 Session Expiry Interval, as set on CONNECT and changed on DISCONNECT. */
class SessionExpiryTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    private Session session(String clientId) {
        return broker.broker().sessions().get(clientId);
    }

    private Mqtt5PubAckReasonCode publishQos1(Mqtt5BlockingClient pub, String topic) {
        Mqtt5PublishResult result = pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.utf8("x")).send();
        return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
    }

    @Test
    @DisplayName("A session with Session Expiry Interval 1 outlives its connection, then expires: removed from the "
            + "broker, its subscriptions gone, a reconnect gets Session Present 0 [MQTT-3.1.2-23]")
    void sessionExpiresAfterTheIntervalFromConnect() throws Exception {
        Mqtt5BlockingClient sub = clients.hivemq("expiry-connect", new Inbox());
        sub.connectWith().cleanStart(false).sessionExpiryInterval(1).send();
        sub.subscribeWith().topicFilter("expiry/connect").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = clients.hivemq("expiry-connect-pub", new Inbox());
        pub.connect();
        assertThat(session("expiry-connect")).isNotNull();

        await().atMost(Duration.ofSeconds(5)).until(() -> session("expiry-connect") == null);
        assertThat(broker.broker().metrics().sessionsExpired.sum()).isEqualTo(1);
        assertThat(publishQos1(pub, "expiry/connect")).isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(sub.connectWith().cleanStart(false).sessionExpiryInterval(1).send().isSessionPresent()).isFalse();
        assertThat(session("expiry-connect").subscriptions()).isEmpty();
    }

    @Test
    @DisplayName("Expired sessions are removed: the broker's session count goes back to zero")
    void expiredSessionsAreRemoved() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (RawClient raw = new RawClient(broker.port())) {
                raw.connect(Clients.connect5("expiry-many-" + i, true, 1, null));
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker().sessions().size() == 0);
        assertThat(broker.broker().metrics().sessionsExpired.sum()).isEqualTo(3);
    }

    @Test
    @DisplayName("A session does not expire while a client is connected to it; the interval counts from the "
            + "last disconnect")
    void reconnectingStopsTheExpiry() throws Exception {
        Mqtt5BlockingClient client = clients.hivemq("expiry-reconnect", new Inbox());
        client.connectWith().cleanStart(false).sessionExpiryInterval(1).send();
        client.disconnect();
        assertThat(client.connectWith().cleanStart(false).sessionExpiryInterval(1).send().isSessionPresent()).isTrue();
        Session resumed = session("expiry-reconnect");
        // The timer of the first disconnect fires meanwhile and must leave the connected session alone.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> session("expiry-reconnect") == resumed && !resumed.isEnded());
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("expiry-reconnect") == null);
    }

    @Test
    @DisplayName("DISCONNECT with a Session Expiry Interval after 0 on CONNECT is a protocol error: DISCONNECT 0x82 "
            + "without a Session Expiry Interval, the session ends, the will goes out (§3.14.2.2.2) [MQTT-3.14.2-2]")
    void disconnectCannotSetAnExpiryAfterZero() throws Exception {
        Inbox wills = clients.subscriber("expiry-zero-watcher", "expiry/zero/will", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("expiry-zero", true, 0, Clients.will("expiry/zero/will", "gone")));
            raw.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION,
                    MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 30).build()));
            List<MqttPacket> before = raw.awaitClose();
            assertThat(before).hasSize(1);
            Disconnect answer = (Disconnect) before.get(0);
            assertThat(answer.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
            assertThat(answer.properties().contains(PropertyId.SESSION_EXPIRY_INTERVAL)).isFalse();
        }
        await().until(() -> session("expiry-zero") == null);
        // Not a valid DISCONNECT, so the will is not discarded.
        assertThat(wills.await(1)).extracting(Inbox.Received::payload).containsExactly("gone");
    }

    @Test
    @DisplayName("DISCONNECT with Session Expiry Interval 0 ends a session that had 60 on CONNECT")
    void disconnectWithZeroEndsTheSession() throws Exception {
        Mqtt5BlockingClient client = clients.hivemq("expiry-end", new Inbox());
        client.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        client.subscribeWith().topicFilter("expiry/end").qos(MqttQos.AT_LEAST_ONCE).send();
        client.disconnectWith().sessionExpiryInterval(0).send();
        await().until(() -> session("expiry-end") == null);
        assertThat(client.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent())
                .isFalse();
    }

    @Test
    @DisplayName("DISCONNECT may lengthen the Session Expiry Interval set on CONNECT")
    void disconnectCanLengthenTheExpiry() throws Exception {
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("expiry-longer", false, 1, null));
            raw.send(new Disconnect(ReasonCode.NORMAL_DISCONNECTION,
                    MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600).build()));
            assertThat(raw.awaitClose()).isEmpty();
        }
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> session("expiry-longer") != null);
        try (RawClient raw = new RawClient(broker.port())) {
            assertThat(raw.connect(Clients.connect5("expiry-longer", false, 0, null)).sessionPresent()).isTrue();
        }
    }

    @Test
    @DisplayName("The broker caps the Session Expiry Interval at maxSessionExpiry and says so in CONNACK")
    void expiryIsCappedByTheBroker() throws Exception {
        broker.restart(b -> b.set(MAX_SESSION_EXPIRY, 1L));
        Mqtt5BlockingClient client = clients.hivemq("expiry-capped", new Inbox());
        Mqtt5ConnAck ack = client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        assertThat(ack.getSessionExpiryInterval()).hasValue(1);
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("expiry-capped") == null);
        try (RawClient raw = new RawClient(broker.port())) {
            ConnAck again = raw.connect(Clients.connect5("expiry-capped", false, 3600, null));
            assertThat(again.sessionPresent()).isFalse();
            assertThat(again.properties().number(PropertyId.SESSION_EXPIRY_INTERVAL, -1)).isEqualTo(1);
        }
    }
}
