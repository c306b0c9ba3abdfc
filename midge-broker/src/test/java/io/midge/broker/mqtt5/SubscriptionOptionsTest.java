package io.midge.broker.mqtt5;

import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The MQTT 5.0 subscription options (section 3.8.3.1) and Subscription Identifiers (section 3.8.2.1.2). Retained
 * messages in depth are tested elsewhere; here only how the options change their delivery.
 */
class SubscriptionOptionsTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    private static MqttProperties subscriptionId(int id) {
        return props(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
    }

    private static Publish retained(String topic, String payload) {
        return new Publish(topic, 0, true, false, 0, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------------ No Local

    @Test
    @DisplayName("MQTT-3.8.3-3: with No Local a client does not get its own messages; others do")
    void noLocalKeepsAClientsOwnMessagesFromIt() throws Exception {
        try (RawClient self = RawV5.connect(broker.port(), "nl-self");
             RawClient other = RawV5.connect(broker.port(), "nl-other")) {
            RawV5.subscribe(self, 1, new Subscription("nl/1", 0, true, false, 0), MqttProperties.EMPTY);
            RawV5.subscribe(other, 1, new Subscription("nl/1", 0, true, false, 0), MqttProperties.EMPTY);
            self.send(publish("nl/1", 0, 0, MqttProperties.EMPTY, "from self"));
            other.send(publish("nl/1", 0, 0, MqttProperties.EMPTY, "from other"));

            assertThat(text(other.receive(Publish.class))).isEqualTo("from self");
            assertThat(text(self.receive(Publish.class))).isEqualTo("from other");
            assertThat(self.poll(RawClient.QUIET)).isNull();
            assertThat(other.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.8.3-3: without No Local a client gets its own messages back (Paho)")
    void withoutNoLocalAClientHearsItself() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        MqttClient client = new MqttClient(broker.uri(), "nl-paho", new MemoryPersistence());
        try {
            client.setCallback(new PahoInbox((topic, m) -> heard.add(new String(m.getPayload(),
                    StandardCharsets.UTF_8))));
            client.connect(new MqttConnectionOptions());
            MqttSubscription echo = new MqttSubscription("nl/2/echo", 1);
            MqttSubscription quiet = new MqttSubscription("nl/2/quiet", 1);
            quiet.setNoLocal(true);
            client.subscribe(new MqttSubscription[] {echo, quiet});
            client.publish("nl/2/quiet", new MqttMessage("not for me".getBytes(StandardCharsets.UTF_8), 1, false,
                    null));
            client.publish("nl/2/echo", new MqttMessage("echo".getBytes(StandardCharsets.UTF_8), 1, false, null));
            await().until(() -> heard.contains("echo"));
            assertThat(heard).containsExactly("echo");
        } finally {
            PahoInbox.close(client);
        }
    }

    // ------------------------------------------------------------------ Retain As Published

    @Test
    @DisplayName("MQTT-3.3.1-12/13: a forwarded retained publish keeps RETAIN only with Retain As Published")
    void retainAsPublishedKeepsTheRetainFlag() throws Exception {
        try (RawClient keeps = RawV5.connect(broker.port(), "rap-keeps");
             RawClient clears = RawV5.connect(broker.port(), "rap-clears");
             RawClient pub = RawV5.connect(broker.port(), "rap-pub")) {
            RawV5.subscribe(keeps, 1, new Subscription("rap/1", 0, false, true, 0), MqttProperties.EMPTY);
            RawV5.subscribe(clears, 1, new Subscription("rap/1", 0, false, false, 0), MqttProperties.EMPTY);
            pub.send(retained("rap/1", "live and retained"));

            Publish kept = keeps.receive(Publish.class);
            assertThat(text(kept)).isEqualTo("live and retained");
            assertThat(kept.retainFlag()).isTrue();
            Publish cleared = clears.receive(Publish.class);
            assertThat(cleared.retainFlag()).isFalse();
        }
    }

    // ------------------------------------------------------------------ Retain Handling

    @Test
    @DisplayName("MQTT-3.3.1-9/10/11: Retain Handling 0 sends retained messages on every subscribe, "
            + "1 only on a new subscription, 2 never")
    void retainHandlingDecidesWhenRetainedMessagesAreSent() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rh-pub")) {
            pub.send(retained("rh/1", "kept"));
            pub.send(PingReq.INSTANCE);
            pub.receive();
        }
        for (int handling = 0; handling <= 2; handling++) {
            try (RawClient sub = RawV5.connect(broker.port(), "rh-sub-" + handling)) {
                Subscription subscription = new Subscription("rh/1", 0, false, false, handling);
                RawV5.subscribe(sub, 1, subscription, MqttProperties.EMPTY);
                Publish onNew = handling == 2 ? null : sub.receive(Publish.class);
                RawV5.subscribe(sub, 2, subscription, MqttProperties.EMPTY);
                Publish onRepeat = handling == 0 ? sub.receive(Publish.class) : null;
                assertThat(sub.poll(RawClient.QUIET)).as("retain handling %d", handling).isNull();
                if (onNew != null) {
                    assertThat(text(onNew)).isEqualTo("kept");
                    assertThat(onNew.retainFlag()).isTrue();
                }
                if (onRepeat != null) {
                    assertThat(text(onRepeat)).isEqualTo("kept");
                }
            }
        }
    }

    // ------------------------------------------------------------------ Subscription Identifiers

    @Test
    @DisplayName("MQTT-3.3.4-3: a message carries the Subscription Identifier of the subscription it matched")
    void theSubscriptionIdentifierComesWithTheMessage() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "sid-sub-1");
             RawClient pub = RawV5.connect(broker.port(), "sid-pub-1")) {
            RawV5.subscribe(sub, 1, new Subscription("sid/1/+", 1), subscriptionId(42));
            RawV5.subscribe(sub, 2, new Subscription("sid/1/other", 1), MqttProperties.EMPTY);
            pub.send(publish("sid/1/a", 0, 0, MqttProperties.EMPTY, "with id"));
            pub.send(publish("sid/1/other", 0, 0, MqttProperties.EMPTY, "two matches"));

            Publish withId = sub.receive(Publish.class);
            assertThat(text(withId)).isEqualTo("with id");
            assertThat(withId.properties().subscriptionIdentifiers()).containsExactly(42L);
            // Matched by "sid/1/+" (id 42) and "sid/1/other" (no id): one message, with the one id there is.
            Publish two = sub.receive(Publish.class);
            assertThat(text(two)).isEqualTo("two matches");
            assertThat(two.properties().subscriptionIdentifiers()).containsExactly(42L);
            assertThat(sub.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-2/4: overlapping subscriptions give one message with every identifier, "
            + "at the highest granted QoS")
    void overlappingSubscriptionsGiveOneMessageWithBothIdentifiers() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "sid-sub-2");
             RawClient pub = RawV5.connect(broker.port(), "sid-pub-2")) {
            RawV5.subscribe(sub, 1, new Subscription("sid/2/#", 0), subscriptionId(7));
            RawV5.subscribe(sub, 2, new Subscription("sid/2/+/temp", 1), subscriptionId(1000));
            pub.send(publish("sid/2/kitchen/temp", 1, 1, MqttProperties.EMPTY, "21.5"));
            pub.receive(PubAck.class);

            Publish delivered = sub.receive(Publish.class);
            assertThat(delivered.qos()).isEqualTo(1);
            assertThat(delivered.properties().subscriptionIdentifiers()).containsExactlyInAnyOrder(7L, 1000L);
            sub.send(new PubAck(delivered.packetId()));
            assertThat(sub.poll(RawClient.QUIET)).as("a second copy").isNull();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-3: a retained message sent for a new subscription carries its identifier")
    void aRetainedMessageCarriesTheNewSubscriptionsIdentifier() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "sid-pub-6");
             RawClient sub = RawV5.connect(broker.port(), "sid-sub-6")) {
            pub.send(new Publish("sid/6", 1, true, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer("kept".getBytes(StandardCharsets.UTF_8))));
            pub.receive(PubAck.class);
            RawV5.subscribe(sub, 1, new Subscription("sid/+", 0), subscriptionId(66));
            Publish retainedCopy = sub.receive(Publish.class);
            assertThat(retainedCopy.retainFlag()).isTrue();
            assertThat(retainedCopy.properties().subscriptionIdentifiers()).containsExactly(66L);
        }
    }

    @Test
    @DisplayName("MQTT-3.8.4-3: subscribing again without an identifier replaces the subscription and its identifier")
    void resubscribingWithoutAnIdentifierDropsIt() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "sid-sub-3");
             RawClient pub = RawV5.connect(broker.port(), "sid-pub-3")) {
            RawV5.subscribe(sub, 1, new Subscription("sid/3", 0), subscriptionId(5));
            RawV5.subscribe(sub, 2, new Subscription("sid/3", 0), MqttProperties.EMPTY);
            pub.send(publish("sid/3", 0, 0, MqttProperties.EMPTY, "no id now"));
            Publish delivered = sub.receive(Publish.class);
            assertThat(delivered.properties().contains(PropertyId.SUBSCRIPTION_IDENTIFIER)).isFalse();
        }
    }

    @Test
    @DisplayName("§3.3.2.3.8: the largest Subscription Identifier, 268435455, comes back intact")
    void theLargestIdentifierRoundTrips() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "sid-sub-4");
             RawClient pub = RawV5.connect(broker.port(), "sid-pub-4")) {
            RawV5.subscribe(sub, 1, new Subscription("sid/4", 0), subscriptionId(268_435_455));
            pub.send(publish("sid/4", 0, 0, MqttProperties.EMPTY, "max"));
            assertThat(sub.receive(Publish.class).properties().subscriptionIdentifiers())
                    .containsExactly(268_435_455L);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-6: a PUBLISH from a client carrying a Subscription Identifier is a protocol error")
    void aPublisherMayNotSendASubscriptionIdentifier() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "sid-pub-5")) {
            pub.send(publish("sid/5", 0, 0, subscriptionId(3), "forged"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }
}
