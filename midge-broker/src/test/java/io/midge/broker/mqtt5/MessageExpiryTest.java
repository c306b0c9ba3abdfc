package io.midge.broker.mqtt5;

import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Message Expiry Interval (MQTT 5.0 section 3.3.2.3.3): expired copies are dropped, the rest carry what is left. */
class MessageExpiryTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    /** Connects a persistent subscriber to the filter at QoS 1 and leaves it offline. */
    private void offlineSubscriber(String clientId, String filter) throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), clientId, true,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60))) {
            RawV5.subscribe(sub, filter, 1);
            RawV5.disconnect(sub);
        }
        await().until(() -> !broker.broker().sessions().get(clientId).isOnline());
    }

    private void publishQos1(String topic, int packetId, MqttProperties props, String payload) throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "expiry-pub-" + packetId)) {
            pub.send(publish(topic, 1, packetId, props, payload));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            RawV5.disconnect(pub);
        }
    }

    private RawClient reconnect(String clientId) throws Exception {
        RawClient sub = new RawClient(broker.port());
        ConnAck connAck = sub.connect(RawV5.connectPacket(clientId, false,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60)));
        assertThat(connAck.sessionPresent()).isTrue();
        return sub;
    }

    @Test
    @DisplayName("MQTT-3.3.2-5: a message whose expiry passed while it was queued for an offline client is dropped")
    void anExpiredQueuedMessageIsNotDelivered() throws Exception {
        offlineSubscriber("expiry-sub-1", "expiry/1/#");
        publishQos1("expiry/1/a", 1, props(PropertyId.MESSAGE_EXPIRY_INTERVAL, 1), "short-lived");
        publishQos1("expiry/1/a", 2, MqttProperties.EMPTY, "lasting");

        Thread.sleep(1_300); // let the one-second lifetime of the first message pass while it is queued

        try (RawClient sub = reconnect("expiry-sub-1")) {
            Publish first = sub.receive(Publish.class);
            assertThat(text(first)).isEqualTo("lasting");
            assertThat(first.properties().contains(PropertyId.MESSAGE_EXPIRY_INTERVAL)).isFalse();
            assertThat(sub.poll(RawClient.QUIET)).isNull();
        }
        assertThat(broker.broker().metrics().droppedExpired.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("MQTT-3.3.2-6: a queued message carries its Message Expiry Interval less the time it waited")
    void theRemainingIntervalIsForwarded() throws Exception {
        offlineSubscriber("expiry-sub-2", "expiry/2/#");
        publishQos1("expiry/2/a", 1, props(PropertyId.MESSAGE_EXPIRY_INTERVAL, 60), "waited");

        Thread.sleep(1_100); // the message waits in the broker for more than a second

        try (RawClient sub = reconnect("expiry-sub-2")) {
            Publish delivered = sub.receive(Publish.class);
            assertThat(text(delivered)).isEqualTo("waited");
            assertThat(delivered.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL, -1)).isBetween(1L, 59L);
        }
    }

    @Test
    @DisplayName("§3.1.3.2.4: a will's Message Expiry Interval counts from when the will is published, "
            + "not from CONNECT")
    void aWillExpiresFromItsPublication() throws Exception {
        try (RawClient watcher = RawV5.connect(broker.port(), "expiry-will-watcher")) {
            RawV5.subscribe(watcher, "expiry/will", 1);
            try (RawClient mortal = new RawClient(broker.port())) {
                mortal.connect(new Connect(MqttVersion.MQTT_5, "expiry-will", true, 0, null, null,
                        new Will("expiry/will", Binary.utf8("gone"), 1, false,
                                props(PropertyId.MESSAGE_EXPIRY_INTERVAL, 1)), MqttProperties.EMPTY));
                Thread.sleep(1_300); // connected for longer than the will's lifetime
            } // closed without DISCONNECT: the will goes out now, with its whole second ahead of it

            Publish will = watcher.receive(Publish.class);
            assertThat(text(will)).isEqualTo("gone");
            assertThat(will.properties().number(PropertyId.MESSAGE_EXPIRY_INTERVAL, -1)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-6: an online subscriber (Paho) gets the interval, at most what was published")
    void anOnlineSubscriberGetsTheInterval() throws Exception {
        List<MqttMessage> received = new CopyOnWriteArrayList<>();
        MqttClient sub = new MqttClient(broker.uri(), "expiry-paho-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.uri(), "expiry-paho-pub", new MemoryPersistence());
        try {
            sub.setCallback(new PahoInbox((topic, message) -> received.add(message)));
            sub.connect(new MqttConnectionOptions());
            sub.subscribe("expiry/3/#", 1);
            pub.connect(new MqttConnectionOptions());
            MqttMessage message = new MqttMessage("fresh".getBytes(StandardCharsets.UTF_8), 1, false, null);
            org.eclipse.paho.mqttv5.common.packet.MqttProperties p =
                    new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
            p.setMessageExpiryInterval(30L);
            message.setProperties(p);
            pub.publish("expiry/3/a", message);
            pub.publish("expiry/3/b", new MqttMessage("forever".getBytes(StandardCharsets.UTF_8), 1, false, null));

            await().until(() -> received.size() == 2);
            assertThat(received.get(0).getProperties().getMessageExpiryInterval()).isBetween(1L, 30L);
            assertThat(received.get(1).getProperties().getMessageExpiryInterval()).isNull();
        } finally {
            PahoInbox.close(pub, sub);
        }
    }
}
