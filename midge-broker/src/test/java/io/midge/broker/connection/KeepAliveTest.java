package io.midge.broker.connection;

import static io.midge.broker.config.ConfigKeys.MAX_KEEP_ALIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Threads;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keep-alive: a client silent for one and a half keep-alive periods is closed; PINGREQ keeps it alive; the broker
 * caps what 5.0 clients ask with Server Keep Alive. The broker caps keep-alive at 60 s here.
 */
class KeepAliveTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_KEEP_ALIVE, 60));

    private static Connect connect(MqttVersion version, String id, int keepAlive) {
        return new Connect(version, id, true, keepAlive, null, null, null, MqttProperties.EMPTY);
    }

    @Test
    @DisplayName("MQTT-3.1.2-24 (3.1.1): a client with keep-alive 1 s that sends nothing is closed, without a byte")
    void silentClientIsClosedIn311() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(connect(MqttVersion.MQTT_3_1_1, "keepalive-silent-311", 1));
            assertThat(client.awaitClose(Duration.ofSeconds(5))).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-22 (5.0): a client with keep-alive 1 s that sends nothing gets DISCONNECT 0x8D Keep Alive timeout")
    void silentClientIsDisconnectedIn5() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(connect(MqttVersion.MQTT_5, "keepalive-silent-5", 1));
            List<MqttPacket> beforeClose = client.awaitClose(Duration.ofSeconds(5));
            assertThat(beforeClose).singleElement().isInstanceOfSatisfying(Disconnect.class,
                    d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT));
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-22 (5.0): what the broker sends does not count: a silent subscriber receiving messages is still closed")
    void trafficToTheClientDoesNotKeepItAlive() throws Exception {
        try (RawClient subscriber = new RawClient(broker.port()); RawClient publisher = new RawClient(broker.port())) {
            subscriber.connect(connect(MqttVersion.MQTT_5, "keepalive-receiver", 1));
            subscriber.send(new Subscribe(1, List.of(new Subscription("keepalive/feed", 0)), MqttProperties.EMPTY));
            subscriber.receive(SubAck.class);
            publisher.version(MqttVersion.MQTT_5).connect("keepalive-feeder");

            AtomicBoolean stop = new AtomicBoolean();
            Thread feeder = Threads.startDaemon(() -> {
                try {
                    while (!stop.get()) {
                        publisher.send(new Publish("keepalive/feed", 0, false, false, 0, MqttProperties.EMPTY,
                                Unpooled.wrappedBuffer(new byte[] {1})));
                        Thread.sleep(200); // pacing the feed, not waiting for a condition
                    }
                } catch (Exception e) {
                    // the test ends the feed by closing the publisher
                }
            });
            try {
                List<MqttPacket> beforeClose = subscriber.awaitClose(Duration.ofSeconds(5));
                assertThat(beforeClose).filteredOn(Publish.class::isInstance).isNotEmpty();
                assertThat(beforeClose.get(beforeClose.size() - 1)).isInstanceOfSatisfying(Disconnect.class,
                        d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT));
            } finally {
                stop.set(true);
                feeder.join();
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.12.4-1: a client with keep-alive 1 s that sends PINGREQ every 500 ms stays connected, each answered by PINGRESP")
    void pingingClientStaysConnected() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.connect(connect(MqttVersion.MQTT_3_1_1, "keepalive-pinging", 1));
            for (int i = 0; i < 6; i++) { // 3 s, twice the 1.5 s after which a silent client is closed
                long sent = System.nanoTime();
                client.sendHex("C0 00");
                assertThat(client.receive()).isInstanceOf(PingResp.class);
                Duration rest = Duration.ofMillis(500).minusNanos(System.nanoTime() - sent);
                if (!rest.isNegative()) {
                    assertThat(client.poll(rest)).isNull(); // nothing else arrives, and poll fails on a close
                }
            }
            client.sendHex("C0 00");
            assertThat(client.receive()).isInstanceOf(PingResp.class);
        }
    }

    @Test
    @DisplayName("A Paho v3 client with keep-alive 1 s stays connected on its own PINGREQs")
    void pahoWithShortKeepAliveStaysConnected() throws Exception {
        MqttClient paho = new MqttClient(broker.uri(), "keepalive-paho", new MemoryPersistence());
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setKeepAliveInterval(1);
            paho.connect(options);
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(paho::isConnected);
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-21 / §3.2.2.3.14 (5.0): keep-alive 120 asked, maxKeepAlive 60 configured: CONNACK has Server Keep Alive 60")
    void serverKeepAliveCapsALongKeepAlive() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(connect(MqttVersion.MQTT_5, "keepalive-120", 120));
            assertThat(ack.properties().number(PropertyId.SERVER_KEEP_ALIVE)).hasValue(60);
        }
    }

    @Test
    @DisplayName("§3.2.2.3.14 (5.0): keep-alive 0 (off) asked, maxKeepAlive 60 configured: CONNACK has Server Keep Alive 60")
    void serverKeepAliveReplacesNoKeepAlive() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(connect(MqttVersion.MQTT_5, "keepalive-0", 0));
            assertThat(ack.properties().number(PropertyId.SERVER_KEEP_ALIVE)).hasValue(60);
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-22 (5.0): a keep-alive within the maximum is granted as asked, without Server Keep Alive")
    void keepAliveWithinTheMaximumIsGranted() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(connect(MqttVersion.MQTT_5, "keepalive-30", 30));
            assertThat(ack.properties().contains(PropertyId.SERVER_KEEP_ALIVE)).isFalse();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-21 (5.0): the HiveMQ client asking keep-alive 120 is told Server Keep Alive 60")
    void hiveMqIsToldTheServerKeepAlive() {
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("keepalive-hivemq")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        try {
            Mqtt5ConnAck ack = client.connectWith().keepAlive(120).send();
            assertThat(ack.getServerKeepAlive()).isEqualTo(OptionalInt.of(60));
        } finally {
            client.disconnect();
        }
    }

    @Test
    @DisplayName("§3.2.2.3.14 (5.0): a Server Keep Alive of 1 s is enforced on a client that asked 120 and then sends nothing")
    void serverKeepAliveIsEnforced() throws Exception {
        broker.restart(b -> b.set(MAX_KEEP_ALIVE, 1));
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(connect(MqttVersion.MQTT_5, "keepalive-enforced", 120));
            assertThat(ack.properties().number(PropertyId.SERVER_KEEP_ALIVE)).hasValue(1);
            assertThat(client.awaitClose(Duration.ofSeconds(5))).singleElement()
                    .isInstanceOfSatisfying(Disconnect.class,
                            d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.KEEP_ALIVE_TIMEOUT));
        }
    }
}
