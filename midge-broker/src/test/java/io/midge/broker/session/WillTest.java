package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.routing.Message;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Wills: published when a connection ends without a normal DISCONNECT, with their QoS, retain flag and properties,
 * after the Will Delay Interval or when the session ends, whichever is first.
 */
class WillTest {
    private static final Duration QUIET = Duration.ofMillis(500);

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();
    private final Clients clients = new Clients(broker);

    @AfterEach
    void closeClients() throws Exception {
        clients.close();
    }

    private long willsPublished() {
        return broker.broker().metrics().willsPublished.sum();
    }

    /**
     * Proves that no will went out for a client that is gone: its clean session has ended (a will with no delay is
     * routed before that), and a marker published after it reaches the watcher alone.
     */
    private void assertNoWill(String clientId, String topic, Inbox watcher) throws Exception {
        await().until(() -> broker.broker().sessions().get(clientId) == null);
        IMqttClient pub = clients.publisher(clientId + "-marker");
        pub.publish(topic, Clients.utf8("marker"), 1, false);
        assertThat(watcher.awaitPayload("marker")).extracting(Inbox.Received::payload).containsExactly("marker");
        assertThat(willsPublished()).isZero();
    }

    // ------------------------------------------------------------------ when

    @Test
    @DisplayName("3.1.1: the will is published when the socket closes without DISCONNECT [MQTT-3.1.2-8]")
    void publishedWhenTheSocketCloses() throws Exception {
        Inbox watcher = clients.subscriber("will-close-watcher", "will/close", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect311("will-close", true, 0, Clients.will("will/close", "lost")));
        }
        assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("lost");
        assertThat(willsPublished()).isEqualTo(1);
    }

    @Test
    @DisplayName("A Paho client that vanishes without DISCONNECT has its will published [MQTT-3.1.2-8]")
    void publishedForAPahoClientThatVanishes() throws Exception {
        Inbox watcher = clients.subscriber("will-paho-watcher", "will/paho", 1);
        MqttClient client = clients.paho("will-paho");
        MqttConnectOptions options = Clients.cleanSession(true);
        options.setWill("will/paho", Clients.utf8("paho lost"), 1, false);
        client.connect(options);
        client.disconnectForcibly(0, 1000, false); // closes the socket, sends no DISCONNECT
        assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("paho lost");
    }

    @Test
    @DisplayName("The will is published when the keep-alive runs out [MQTT-3.1.2-24] [MQTT-3.1.2-8]")
    void publishedOnKeepAliveTimeout() throws Exception {
        Inbox watcher = clients.subscriber("will-keepalive-watcher", "will/keepalive", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect311("will-keepalive", true, 1, Clients.will("will/keepalive", "silent")));
            raw.awaitClose(); // sends nothing, so the broker closes after 1.5 s
            assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("silent");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("The will is published when the broker closes the connection for a protocol violation "
            + "[MQTT-3.1.2-8]")
    void publishedOnProtocolViolation(MqttVersion version) throws Exception {
        String id = "will-violation-" + version;
        Inbox watcher = clients.subscriber(id + "-watcher", "will/violation/" + version, 1);
        try (RawClient raw = new RawClient(broker.port())) {
            Connect connect = version.isV5()
                    ? Clients.connect5(id, true, 0, Clients.will("will/violation/" + version, "broken"))
                    : Clients.connect311(id, true, 0, Clients.will("will/violation/" + version, "broken"));
            raw.connect(connect);
            raw.sendHex("36 05 00 01 61 00 00"); // PUBLISH with QoS 3
            raw.awaitClose();
        }
        assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("broken");
    }

    @Test
    @DisplayName("The will of a connection that is taken over is published [MQTT-3.1.4-3] [MQTT-3.1.2-8]")
    void publishedWhenTakenOver() throws Exception {
        Inbox watcher = clients.subscriber("will-takeover-watcher", "will/takeover", 1);
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.connect(Clients.connect311("will-takeover", true, 0, Clients.will("will/takeover", "replaced")));
            second.connect(Clients.connect311("will-takeover", true, 0, null));
            first.awaitClose();
            assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("replaced");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A normal DISCONNECT discards the will [MQTT-3.14.4-3] [MQTT-3.1.2-10]")
    void notPublishedAfterNormalDisconnect(MqttVersion version) throws Exception {
        String id = "will-normal-" + version;
        String topic = "will/normal/" + version;
        Inbox watcher = clients.subscriber(id + "-watcher", topic, 1);
        try (RawClient raw = new RawClient(broker.port())) {
            Connect connect = version.isV5() ? Clients.connect5(id, true, 0, Clients.will(topic, "unwanted"))
                    : Clients.connect311(id, true, 0, Clients.will(topic, "unwanted"));
            raw.connect(connect);
            raw.send(Disconnect.NORMAL);
            assertThat(raw.awaitClose()).isEmpty();
        }
        assertNoWill(id, topic, watcher);
    }

    @Test
    @DisplayName("A Paho client's normal disconnect discards its will [MQTT-3.14.4-3]")
    void notPublishedAfterPahoDisconnect() throws Exception {
        Inbox watcher = clients.subscriber("will-paho-normal-watcher", "will/paho/normal", 1);
        MqttClient client = clients.paho("will-paho-normal");
        MqttConnectOptions options = Clients.cleanSession(true);
        options.setWill("will/paho/normal", Clients.utf8("unwanted"), 1, false);
        client.connect(options);
        client.disconnect();
        assertNoWill("will-paho-normal", "will/paho/normal", watcher);
    }

    @Test
    @DisplayName("5.0: DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the will")
    void publishedAfterDisconnectWithWillMessage() throws Exception {
        Inbox watcher = clients.subscriber("will-0x04-watcher", "will/0x04", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-0x04", true, 0, Clients.will("will/0x04", "on purpose")));
            raw.send(new Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE));
            assertThat(raw.awaitClose()).isEmpty();
        }
        assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("on purpose");
    }

    @Test
    @DisplayName("HiveMQ 5.0 client: DISCONNECT 0x04 publishes the will, a normal one does not")
    void hivemqDisconnectReasonDecides() throws Exception {
        Inbox watcher = clients.subscriber("will-hive-watcher", "will/hive/+", 1);
        Mqtt5BlockingClient withWill = clients.hivemq("will-hive-a", new Inbox());
        withWill.connectWith().willPublish().topic("will/hive/a").payload(Clients.utf8("a")).applyWillPublish().send();
        withWill.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        Mqtt5BlockingClient normal = clients.hivemq("will-hive-b", new Inbox());
        normal.connectWith().willPublish().topic("will/hive/b").payload(Clients.utf8("b")).applyWillPublish().send();
        normal.disconnect();
        // Both sessions ended, and a will is routed before its session ends.
        await().until(() -> broker.broker().sessions().get("will-hive-a") == null
                && broker.broker().sessions().get("will-hive-b") == null);
        IMqttClient pub = clients.publisher("will-hive-marker");
        pub.publish("will/hive/b", Clients.utf8("marker"), 1, false);
        assertThat(watcher.awaitPayload("marker")).extracting(Inbox.Received::payload).containsExactly("a", "marker");
    }

    // ------------------------------------------------------------------ what

    @Test
    @DisplayName("3.1.1: the will keeps its QoS, and a retained will is there for a later subscriber "
            + "[MQTT-3.1.2-17]")
    void willQosAndRetainAreHonoured() throws Exception {
        Inbox live = clients.subscriber("will-retain-live", "will/retain", 2);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect311("will-retain", true, 0,
                    Clients.will("will/retain", "last words", 2, true, MqttProperties.EMPTY)));
        }
        List<Inbox.Received> got = live.await(1);
        assertThat(got.get(0).payload()).isEqualTo("last words");
        assertThat(got.get(0).qos()).isEqualTo(2);

        Inbox later = clients.subscriber("will-retain-later", "will/#", 2);
        List<Inbox.Received> retained = later.await(1);
        assertThat(retained).containsExactly(new Inbox.Received("will/retain", "last words", 2, true, false));
    }

    @Test
    @DisplayName("5.0: a will without Will Retain is not retained [MQTT-3.1.2-14]")
    void willWithoutRetainIsNotRetained() throws Exception {
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-noretain", true, 0, Clients.will("will/noretain", "x", 1, false,
                    MqttProperties.EMPTY)));
        }
        await().until(() -> willsPublished() == 1);
        assertThat(broker.broker().router().retained().size()).isZero();
    }

    @Test
    @DisplayName("5.0: the will's properties are forwarded: content type, user properties in order, response topic, "
            + "correlation data, payload format, message expiry [MQTT-3.1.3-10]")
    void willPropertiesAreForwarded() throws Exception {
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient watcher = clients.hivemq("will-props-watcher", inbox);
        watcher.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = watcher.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            watcher.subscribeWith().topicFilter("will/props").qos(MqttQos.AT_LEAST_ONCE).send();
            MqttProperties willProps = MqttProperties.builder()
                    .add(PropertyId.CONTENT_TYPE, "text/plain")
                    .userProperty("ward", "3")
                    .userProperty("bed", "12")
                    .userProperty("ward", "4")
                    .add(PropertyId.RESPONSE_TOPIC, "will/props/reply")
                    .add(PropertyId.CORRELATION_DATA, Binary.utf8("corr"))
                    .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                    .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 120)
                    .build();
            try (RawClient raw = new RawClient(broker.port())) {
                raw.connect(Clients.connect5("will-props", true, 0,
                        Clients.will("will/props", "monitor offline", 1, false, willProps)));
            }
            Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(received).isPresent();
            Mqtt5Publish will = received.get();
            assertThat(new String(will.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("monitor offline");
            assertThat(will.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(will.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("text/plain"));
            assertThat(will.getUserProperties().asList()).extracting(p -> p.getName() + "=" + p.getValue())
                    .containsExactly("ward=3", "bed=12", "ward=4");
            assertThat(will.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString())
                    .isEqualTo("will/props/reply"));
            assertThat(will.getCorrelationData()).hasValue(ByteBuffer.wrap(Clients.utf8("corr")));
            assertThat(will.getPayloadFormatIndicator()).hasValue(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(will.getMessageExpiryInterval().orElseThrow()).isBetween(1L, 120L);
        }
    }

    // ------------------------------------------------------------------ Will Delay Interval (5.0)

    private static MqttProperties delay(long seconds) {
        return MqttProperties.builder().add(PropertyId.WILL_DELAY_INTERVAL, seconds).build();
    }

    @Test
    @DisplayName("Will Delay 1 with Session Expiry 10: the will goes out after the delay, not at once [MQTT-3.1.2-8]")
    void willDelayDefersTheWill() throws Exception {
        Inbox watcher = clients.subscriber("will-delay-watcher", "will/delay", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-delay", false, 10,
                    Clients.will("will/delay", "late", 1, false, delay(1))));
        }
        await().until(() -> !broker.broker().sessions().get("will-delay").isOnline());
        await().during(QUIET).atMost(QUIET.plusSeconds(1)).until(() -> watcher.size() == 0);
        assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("late");
        // The session lives on without its will.
        assertThat(broker.broker().sessions().get("will-delay")).isNotNull();
    }

    @Test
    @DisplayName("A reconnect within the Will Delay Interval cancels the will [MQTT-3.1.3-9]")
    void reconnectWithinTheDelayCancelsTheWill() throws Exception {
        Inbox watcher = clients.subscriber("will-cancel-watcher", "will/cancel", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-cancel", false, 10,
                    Clients.will("will/cancel", "never", 1, false, delay(1))));
        }
        try (RawClient again = new RawClient(broker.port())) {
            assertThat(again.connect(Clients.connect5("will-cancel", false, 10, null)).sessionPresent()).isTrue();
            // Past the delay, with the new connection still up: nothing.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> watcher.size() == 0 && willsPublished() == 0);
        }
    }

    @Test
    @DisplayName("A reconnect with Clean Start 1 within the Will Delay Interval ends the old session, and that "
            + "publishes the will (§3.1.3.2.2)")
    void cleanStartWithinTheDelayPublishesTheWill() throws Exception {
        Inbox watcher = clients.subscriber("will-clean-watcher", "will/clean", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-clean", false, 10,
                    Clients.will("will/clean", "session over", 1, false, delay(30))));
        }
        await().until(() -> !broker.broker().sessions().get("will-clean").isOnline());
        try (RawClient again = new RawClient(broker.port())) {
            assertThat(again.connect(Clients.connect5("will-clean", true, 10, null)).sessionPresent()).isFalse();
            assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("session over");
        }
    }

    @Test
    @DisplayName("A takeover with Clean Start 0 within the Will Delay Interval continues the session: the old "
            + "connection's will is not sent [MQTT-3.1.3-9]")
    void takeoverContinuingTheSessionCancelsTheWill() throws Exception {
        Inbox watcher = clients.subscriber("will-takeover5-watcher", "will/takeover5", 1);
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.connect(Clients.connect5("will-takeover5", false, 10,
                    Clients.will("will/takeover5", "never", 1, false, delay(1))));
            assertThat(second.connect(Clients.connect5("will-takeover5", false, 10, null)).sessionPresent()).isTrue();
            assertThat(first.awaitClose()).extracting(p -> ((Disconnect) p).reasonCode())
                    .containsExactly(ReasonCode.SESSION_TAKEN_OVER);
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> watcher.size() == 0 && willsPublished() == 0);
        }
    }

    @Test
    @DisplayName("A takeover with Clean Start 1 ends the old session, so its delayed will is sent at once "
            + "(§3.1.3.2.2)")
    void takeoverWithCleanStartPublishesTheDelayedWill() throws Exception {
        Inbox watcher = clients.subscriber("will-takeover5c-watcher", "will/takeover5c", 1);
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.connect(Clients.connect5("will-takeover5c", false, 10,
                    Clients.will("will/takeover5c", "replaced", 1, false, delay(30))));
            assertThat(second.connect(Clients.connect5("will-takeover5c", true, 10, null)).sessionPresent()).isFalse();
            first.awaitClose();
            assertThat(watcher.await(1)).extracting(Inbox.Received::payload).containsExactly("replaced");
        }
    }

    @Test
    @DisplayName("Session Expiry 0 with Will Delay 5: the session ends at once, and so the will goes out at once "
            + "[MQTT-3.1.2-8]")
    void sessionEndBeforeTheDelayPublishesAtOnce() throws Exception {
        Inbox watcher = clients.subscriber("will-now-watcher", "will/now", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-now", true, 0, Clients.will("will/now", "now", 1, false, delay(5))));
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> watcher.size() == 1);
        assertThat(watcher.payloads()).containsExactly("now");
    }

    @Test
    @DisplayName("Session Expiry 1 with Will Delay 30: the will goes out when the session expires [MQTT-3.1.2-8]")
    void sessionExpiryBeforeTheDelayPublishesTheWill() throws Exception {
        Inbox watcher = clients.subscriber("will-expiry-watcher", "will/expiry", 1);
        try (RawClient raw = new RawClient(broker.port())) {
            raw.connect(Clients.connect5("will-expiry", false, 1,
                    Clients.will("will/expiry", "expired", 1, false, delay(30))));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> watcher.size() == 1);
        assertThat(watcher.payloads()).containsExactly("expired");
        assertThat(broker.broker().sessions().get("will-expiry")).isNull();
    }

    @Test
    @DisplayName("Paho 5.0 client with Will Delay 1 and Session Expiry 10 vanishes: its will, with its content type, "
            + "reaches a HiveMQ subscriber after the delay [MQTT-3.1.2-8]")
    void pahoWillWithDelayReachesHivemq() throws Exception {
        Inbox inbox = new Inbox();
        Mqtt5BlockingClient watcher = clients.hivemq("will-paho5-watcher", inbox);
        watcher.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = watcher.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            watcher.subscribeWith().topicFilter("will/paho5").qos(MqttQos.EXACTLY_ONCE).send();
            org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
                    broker.uri(), "will-paho5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            clients.track(client::close);
            org.eclipse.paho.mqttv5.client.MqttConnectionOptions options =
                    new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
            options.setCleanStart(true);
            options.setSessionExpiryInterval(10L);
            org.eclipse.paho.mqttv5.common.MqttMessage will =
                    new org.eclipse.paho.mqttv5.common.MqttMessage(Clients.utf8("bye"));
            will.setQos(2);
            options.setWill("will/paho5", will);
            org.eclipse.paho.mqttv5.common.packet.MqttProperties willProps =
                    new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
            willProps.setWillDelayInterval(1L);
            willProps.setContentType("text/plain");
            options.setWillMessageProperties(willProps);
            client.connect(options);
            client.disconnectForcibly(0, 1000, false); // closes the socket, sends no DISCONNECT

            assertThat(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS)).isEmpty();
            Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(received).isPresent();
            assertThat(new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("bye");
            assertThat(received.get().getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(received.get().getContentType()).hasValueSatisfying(c -> assertThat(c.toString())
                    .isEqualTo("text/plain"));
        }
    }
}
