package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.MAX_CONNECTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max-connections, for the whole broker and per listener: refused at CONNECT with 0x97, counted, never leaked. */
class ConnectionLimitTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_CONNECTIONS, 3).set(LISTENERS, List.of(
            ListenerConfig.tcp("main", "127.0.0.1", 0),
            new ListenerConfig("small", ListenerConfig.Transport.TCP, "127.0.0.1", 0, null, true, 1, null))));

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
    }

    private RawClient connected(String listener, MqttVersion version, String clientId) throws Exception {
        RawClient c = RawClient.connected(broker.broker().port(listener), TestPackets.connect(version, clientId));
        clients.add(c);
        return c;
    }

    private RawClient open(String listener) throws Exception {
        RawClient c = new RawClient(broker.broker().port(listener));
        clients.add(c);
        return c;
    }

    /** Awaitility, polling often: the counts change within milliseconds of a close. */
    private static ConditionFactory soon() {
        return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    private ConnectionLimits limits() {
        return broker.broker().limits();
    }

    @Test
    @DisplayName("Over max-connections, a 5.0 client gets CONNACK 0x97 Quota exceeded with the reason, and is closed")
    void aFiveClientOverTheBrokersLimitIsRefusedWithQuotaExceeded() throws Exception {
        for (int i = 0; i < 3; i++) {
            connected("main", MqttVersion.MQTT_3_1_1, "cl-1-" + i);
        }
        RawClient extra = open("main");
        ConnAck connAck = extra.connAck(TestPackets.connect(MqttVersion.MQTT_5, "cl-1-extra"));
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
        assertThat(connAck.properties().string(PropertyId.REASON_STRING))
                .isEqualTo("the broker has its maximum of 3 connections");
        extra.awaitClose();
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isEqualTo(1);
        assertThat(limits().openConnections()).isEqualTo(3);
    }

    @Test
    @DisplayName("Paho 5.0 over max-connections: its connect fails with reason code 0x97")
    void pahoIsToldQuotaExceeded() throws Exception {
        for (int i = 0; i < 3; i++) {
            connected("main", MqttVersion.MQTT_3_1_1, "cl-6-" + i);
        }
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + broker.broker().port("main"), "cl-6-paho",
                new MemoryPersistence());
        try {
            assertThatThrownBy(paho::connect).isInstanceOfSatisfying(MqttException.class,
                    e -> assertThat(e.getReasonCode()).isEqualTo(0x97));
        } finally {
            paho.close(true);
        }
    }

    @Test
    @DisplayName("Over max-connections, a 3.1.1 client gets CONNACK return code 3 (Server unavailable)")
    void aThreeOneOneClientOverTheLimitIsToldTheServerIsUnavailable() throws Exception {
        for (int i = 0; i < 3; i++) {
            connected("main", MqttVersion.MQTT_3_1_1, "cl-2-" + i);
        }
        RawClient extra = open("main");
        assertThat(extra.connAck(TestPackets.connect(MqttVersion.MQTT_3_1_1, "cl-2-extra")).reasonCode())
                .isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
        extra.awaitClose();
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("A connection that closes gives its place back: the next client gets in")
    void aClosedConnectionFreesItsPlace() throws Exception {
        List<RawClient> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(connected("main", MqttVersion.MQTT_5, "cl-3-" + i));
        }
        first.get(0).close();
        soon().until(() -> limits().openConnections() == 2);
        connected("main", MqttVersion.MQTT_5, "cl-3-next");
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isZero();
    }

    @Test
    @DisplayName("A listener's max-connections refuses beyond it while other listeners still take clients")
    void aListenersOwnLimitRefusesOnlyOnThatListener() throws Exception {
        connected("small", MqttVersion.MQTT_5, "cl-4-a");
        RawClient extra = open("small");
        ConnAck connAck = extra.connAck(TestPackets.connect(MqttVersion.MQTT_5, "cl-4-b"));
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.QUOTA_EXCEEDED);
        assertThat(connAck.properties().string(PropertyId.REASON_STRING))
                .isEqualTo("listener 'small' has its maximum of 1 connections");
        connected("main", MqttVersion.MQTT_5, "cl-4-c");
        assertThat(limits().openConnections("small")).isEqualTo(1);
        assertThat(limits().openConnections("main")).isEqualTo(1);
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("The counts return to zero after many connections end every way: closed, DISCONNECT, refused, "
            + "taken over, never sending CONNECT")
    void countsNeverLeak() throws Exception {
        for (int round = 0; round < 10; round++) {
            soon().until(() -> limits().openConnections() == 0);
            RawClient a = connected("main", MqttVersion.MQTT_5, "cl-5-a");
            RawClient b = connected("main", MqttVersion.MQTT_3_1_1, "cl-5-b");
            connected("small", MqttVersion.MQTT_5, "cl-5-s");
            // Full now (3 in all): even a takeover of a's session is refused, and so is anyone on "small".
            assertThat(open("main").connAck(TestPackets.connect(MqttVersion.MQTT_5, "cl-5-a")).reasonCode())
                    .isEqualTo(ReasonCode.QUOTA_EXCEEDED);
            assertThat(open("small").connAck(TestPackets.connect(MqttVersion.MQTT_5, "cl-5-x")).reasonCode())
                    .isEqualTo(ReasonCode.QUOTA_EXCEEDED);
            a.send(Disconnect.NORMAL);
            a.awaitClose();
            a.close();
            b.close();
            soon().until(() -> limits().openConnections() == 1);
            // b's session taken over by a second connection: the first one's place comes back when it closes.
            RawClient b2 = connected("main", MqttVersion.MQTT_3_1_1, "cl-5-b");
            connected("main", MqttVersion.MQTT_3_1_1, "cl-5-b");
            b2.awaitClose();
            b2.close();
            soon().until(() -> limits().openConnections() == 2);
            open("main"); // never sends CONNECT
            soon().until(() -> limits().openConnections() == 3);
            for (RawClient c : clients) {
                c.close();
            }
            clients.clear();
        }
        soon().until(() -> limits().openConnections() == 0);
        assertThat(limits().openConnections("main")).isZero();
        assertThat(limits().openConnections("small")).isZero();
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isEqualTo(20);
    }
}
