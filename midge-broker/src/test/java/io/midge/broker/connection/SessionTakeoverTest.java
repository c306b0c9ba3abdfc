package io.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A second connection with the same client identifier closes the first and takes its session over. */
class SessionTakeoverTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    @DisplayName("MQTT-3.1.4-3 (5.0): the first connection gets DISCONNECT 0x8E Session taken over, then the close")
    void firstConnectionGetsSessionTakenOverIn5() throws Exception {
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.version(MqttVersion.MQTT_5).connect("takeover-5");
            second.version(MqttVersion.MQTT_5).connect("takeover-5");
            List<MqttPacket> beforeClose = first.awaitClose();
            assertThat(beforeClose).hasSize(1);
            assertThat(((Disconnect) beforeClose.get(0)).reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER);
            second.sendHex("C0 00");
            assertThat(second.receive()).isInstanceOf(io.midge.codec.packet.PingResp.class);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-2 (3.1.1): the first connection is closed without a byte, the second one works")
    void firstConnectionIsClosedIn311() throws Exception {
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.sendConnect(MqttVersion.MQTT_3_1_1, "takeover-311");
            assertThat(first.read(4)).isEqualTo("20 02 00 00");
            second.sendConnect(MqttVersion.MQTT_3_1_1, "takeover-311");
            assertThat(second.read(4)).isEqualTo("20 02 00 00");
            assertThat(first.readUntilClose()).isEmpty();
            second.sendHex("C0 00");
            assertThat(second.read(2)).isEqualTo("D0 00");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-2 (3.1.1): Paho v3 sees the connection lost; the new Paho connection resumes the session and gets the messages of the old subscription")
    void pahoV3TakeoverKeepsSubscriptions() throws Exception {
        String id = "takeover-paho3";
        AtomicReference<Throwable> lost = new AtomicReference<>();
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient first = new MqttClient(broker.uri(), id, new MemoryPersistence());
        MqttClient second = new MqttClient(broker.uri(), id, new MemoryPersistence());
        MqttClient publisher = new MqttClient(broker.uri(), "takeover-paho3-pub", new MemoryPersistence());
        try {
            MqttConnectOptions persistent = new MqttConnectOptions();
            persistent.setCleanSession(false);
            first.setCallback(new Callback(lost::set, received));
            first.connect(persistent);
            first.subscribe("takeover/paho3", 1);

            second.setCallback(new Callback(t -> { }, received));
            assertThat(second.connectWithResult(persistent).getSessionPresent()).isTrue();
            await().until(() -> lost.get() != null);

            publisher.connect();
            publisher.publish("takeover/paho3", "after".getBytes(StandardCharsets.UTF_8), 1, false);
            await().until(() -> !received.isEmpty());
            assertThat(received).containsExactly("after");
        } finally {
            publisher.disconnect();
            second.disconnect();
            publisher.close();
            second.close();
            first.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-3 (5.0): Paho v5 is told the reason code 0x8E when another connection takes its session")
    void pahoV5IsToldSessionTakenOver() throws Exception {
        String id = "takeover-paho5";
        AtomicReference<MqttDisconnectResponse> disconnected = new AtomicReference<>();
        org.eclipse.paho.mqttv5.client.MqttClient first = pahoV5(id);
        org.eclipse.paho.mqttv5.client.MqttClient second = pahoV5(id);
        try {
            first.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {
                    disconnected.set(response);
                }

                @Override
                public void mqttErrorOccurred(MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode,
                                              org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {
                }
            });
            first.connect(new MqttConnectionOptions());
            second.connect(new MqttConnectionOptions());
            await().until(() -> disconnected.get() != null);
            assertThat(disconnected.get().getReturnCode()).isEqualTo(0x8E);
            assertThat(second.isConnected()).isTrue();
        } finally {
            second.disconnect();
            second.close();
            first.close();
        }
    }

    private org.eclipse.paho.mqttv5.client.MqttClient pahoV5(String id) throws MqttException {
        return new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), id,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    }

    @Test
    @DisplayName("MQTT-3.1.4-3 (5.0): a takeover with clean start 0 takes the session: the HiveMQ client gets messages for the old subscription")
    void hiveMqTakeoverWithCleanStart0KeepsTheSubscription() throws Exception {
        String id = "takeover-hivemq";
        try (RawClient first = new RawClient(broker.port())) {
            first.connect(new Connect(MqttVersion.MQTT_5, id, true, 0, null, null, null,
                    MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build()));
            first.send(new Subscribe(1, List.of(new Subscription("takeover/hivemq", 1)), MqttProperties.EMPTY));
            first.receive(SubAck.class);

            Mqtt5BlockingClient second = Mqtt5Client.builder().identifier(id)
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            Mqtt5BlockingClient.Mqtt5Publishes publishes = second.publishes(MqttGlobalPublishFilter.ALL);
            try {
                assertThat(second.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
                        .isSessionPresent()).isTrue();
                List<MqttPacket> firstGot = first.awaitClose();
                assertThat(firstGot).singleElement().isInstanceOfSatisfying(Disconnect.class,
                        d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER));

                publish("takeover/hivemq", "for the old subscription");
                Optional<Mqtt5Publish> message = publishes.receive(5, TimeUnit.SECONDS);
                assertThat(message).isPresent();
                assertThat(new String(message.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("for the old subscription");
                assertThat(message.get().getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            } finally {
                publishes.close();
                second.disconnect();
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-4 (5.0): a takeover with clean start 1 discards the old session: its subscription is gone")
    void takeoverWithCleanStart1DropsTheSubscription() throws Exception {
        String id = "takeover-clean";
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.connect(new Connect(MqttVersion.MQTT_5, id, true, 0, null, null, null,
                    MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build()));
            first.send(new Subscribe(1, List.of(new Subscription("takeover/clean", 1)), MqttProperties.EMPTY));
            first.receive(SubAck.class);

            assertThat(second.connect(new Connect(MqttVersion.MQTT_5, id, true, 0, null, null, null,
                    MqttProperties.EMPTY)).sessionPresent()).isFalse();
            first.awaitClose();

            publish("takeover/clean", "nobody listens");
            assertThat(second.poll(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-2 (3.1.1): a takeover with clean session 0 keeps the old subscription for the new connection (bytes)")
    void rawTakeoverIn311KeepsTheSubscription() throws Exception {
        String id = "takeover-raw-311";
        Connect persistent = new Connect(MqttVersion.MQTT_3_1_1, id, false, 0, null, null, null,
                MqttProperties.EMPTY);
        try (RawClient first = new RawClient(broker.port()); RawClient second = new RawClient(broker.port())) {
            first.connect(persistent);
            first.send(new Subscribe(1, List.of(new Subscription("takeover/raw311", 0)), MqttProperties.EMPTY));
            first.receive(SubAck.class);

            assertThat(second.connect(persistent).sessionPresent()).isTrue();
            assertThat(first.awaitClose()).isEmpty();

            publish("takeover/raw311", "kept");
            Publish message = second.receive(Publish.class);
            assertThat(message.topic()).isEqualTo("takeover/raw311");
            assertThat(message.payload().toString(StandardCharsets.UTF_8)).isEqualTo("kept");
        }
    }

    /** Publishes at QoS 1 from a fresh 5.0 connection and waits for PUBACK. */
    private void publish(String topic, String payload) throws Exception {
        try (RawClient publisher = new RawClient(broker.port())) {
            publisher.version(MqttVersion.MQTT_5).connect(topic.replace('/', '-') + "-publisher");
            publisher.send(new Publish(topic, 1, false, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8))));
            publisher.receive(PubAck.class);
        }
    }

    /** A Paho v3 callback that records lost connections and the payloads that arrive. */
    private record Callback(java.util.function.Consumer<Throwable> onLost, List<String> received)
            implements MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
            onLost.accept(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    @ParameterizedTest(name = "clean start {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("MQTT-3.1.4-3 (5.0): of eight connections racing with one client id, each gets CONNACK, exactly one survives, every other gets DISCONNECT 0x8E")
    void racingConnectionsLeaveExactlyOne(boolean cleanStart) throws Exception {
        int count = 8;
        Connect connect = new Connect(MqttVersion.MQTT_5, "takeover-race", cleanStart, 0, null, null, null,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 60).build());
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                clients.add(new RawClient(broker.port()));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ConnAck>> acks = new ArrayList<>();
            // A thread per client, so that all of them wait at the start line and connect at once.
            ExecutorService threads = Executors.newFixedThreadPool(count);
            try {
                for (RawClient client : clients) {
                    acks.add(threads.submit(() -> {
                        start.await();
                        return client.connect(connect);
                    }));
                }
                start.countDown();
                for (Future<ConnAck> ack : acks) {
                    assertThat(ack.get(10, TimeUnit.SECONDS).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                }
            } finally {
                threads.shutdownNow();
            }
            List<RawClient> survivors = new ArrayList<>();
            for (RawClient client : clients) {
                List<MqttPacket> beforeClose;
                try {
                    beforeClose = client.awaitClose(Duration.ofMillis(700));
                } catch (AssertionError stillOpen) {
                    survivors.add(client);
                    continue;
                }
                assertThat(beforeClose).singleElement().isInstanceOfSatisfying(Disconnect.class,
                        d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER));
            }
            assertThat(survivors).hasSize(1);
            survivors.get(0).sendHex("C0 00");
            assertThat(survivors.get(0).receive()).isInstanceOf(io.midge.codec.packet.PingResp.class);
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }
}
