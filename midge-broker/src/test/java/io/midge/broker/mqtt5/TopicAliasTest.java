package io.midge.broker.mqtt5;

import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;
import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Topic aliases (MQTT 5.0 section 3.3.2.3.4), set by clients towards the broker and by the broker towards clients. */
class TopicAliasTest {
    private static final int ALIAS_MAXIMUM = 4;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(TOPIC_ALIAS_MAXIMUM, ALIAS_MAXIMUM));

    private static MqttProperties alias(int alias) {
        return props(PropertyId.TOPIC_ALIAS, alias);
    }

    @Test
    @DisplayName("MQTT-3.3.2-12: an alias set with a topic then used alone reaches subscribers with the full topic")
    void aliasedPublishesReachSubscribersWithTheFullTopic() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "alias-sub-1");
             RawClient pub = RawV5.connect(broker.port(), "alias-pub-1")) {
            RawV5.subscribe(sub, "alias/1/#", 1);
            pub.send(publish("alias/1/long/topic/name", 1, 1, alias(ALIAS_MAXIMUM), "first"));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            pub.send(publish("", 1, 2, alias(ALIAS_MAXIMUM), "second"));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);

            for (String expected : List.of("first", "second")) {
                Publish p = sub.receive(Publish.class);
                assertThat(p.topic()).isEqualTo("alias/1/long/topic/name");
                assertThat(text(p)).isEqualTo(expected);
                // The subscriber set no Topic Alias Maximum: no alias towards it (MQTT-3.1.2-27).
                assertThat(p.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
                sub.send(new PubAck(p.packetId()));
            }
        }
    }

    @Test
    @DisplayName("§3.3.2.3.4: a PUBLISH with a topic and a known alias maps the alias to the new topic")
    void anAliasCanBeRemapped() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "alias-sub-2");
             RawClient pub = RawV5.connect(broker.port(), "alias-pub-2")) {
            RawV5.subscribe(sub, "alias/2/#", 0);
            pub.send(publish("alias/2/a", 0, 0, alias(1), "a"));
            pub.send(publish("alias/2/b", 0, 0, alias(1), "b"));
            pub.send(publish("", 0, 0, alias(1), "via alias"));

            assertThat(sub.receive(Publish.class).topic()).isEqualTo("alias/2/a");
            assertThat(sub.receive(Publish.class).topic()).isEqualTo("alias/2/b");
            Publish viaAlias = sub.receive(Publish.class);
            assertThat(viaAlias.topic()).isEqualTo("alias/2/b");
            assertThat(text(viaAlias)).isEqualTo("via alias");
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-9: an alias above the Topic Alias Maximum of the CONNACK gets DISCONNECT 0x94")
    void anAliasAboveTheMaximumIsRefused() throws Exception {
        try (RawClient pub = new RawClient(broker.port())) {
            ConnAck connAck = pub.connect(RawV5.connectPacket("alias-pub-3", true, MqttProperties.EMPTY));
            assertThat(connAck.properties().number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)).isEqualTo(ALIAS_MAXIMUM);
            pub.send(publish("alias/3", 0, 0, alias(ALIAS_MAXIMUM + 1), "too far"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-8: a Topic Alias of 0 gets DISCONNECT 0x94")
    void aliasZeroIsRefused() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "alias-pub-4")) {
            pub.send(publish("alias/4", 0, 0, alias(0), "zero"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
        }
    }

    @Test
    @DisplayName("§3.3.2.3.4: an empty topic with an alias that was never set is a protocol error (0x82)")
    void anUnknownAliasIsAProtocolError() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "alias-pub-5")) {
            pub.send(publish("", 1, 1, alias(2), "unknown"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-7: alias mappings do not survive the network connection")
    void aliasesAreForgottenWithTheConnection() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "alias-pub-6", false,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60))) {
            pub.send(publish("alias/6", 1, 1, alias(1), "sets it"));
            pub.receive(PubAck.class);
            RawV5.disconnect(pub);
        }
        try (RawClient pub = RawV5.connect(broker.port(), "alias-pub-6", false,
                props(PropertyId.SESSION_EXPIRY_INTERVAL, 60))) {
            pub.send(publish("", 1, 2, alias(1), "uses it"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-18: with a Topic Alias Maximum of 0 the broker accepts no alias (0x94)")
    void noAliasesWhenTheBrokerAllowsNone() throws Exception {
        broker.restart(b -> b.set(TOPIC_ALIAS_MAXIMUM, 0));
        try (RawClient pub = new RawClient(broker.port())) {
            ConnAck connAck = pub.connect(RawV5.connectPacket("alias-pub-7", true, MqttProperties.EMPTY));
            assertThat(connAck.properties().contains(PropertyId.TOPIC_ALIAS_MAXIMUM)).isFalse();
            pub.send(publish("alias/7", 0, 0, alias(1), "none allowed"));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-26: towards a client with Topic Alias Maximum > 0 the broker sends topic + alias once, "
            + "then the alias alone, never above the client's maximum")
    void theBrokerAssignsOutboundAliases() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "alias-sub-8", true,
                props(PropertyId.TOPIC_ALIAS_MAXIMUM, 1));
             RawClient pub = RawV5.connect(broker.port(), "alias-pub-8")) {
            RawV5.subscribe(sub, "alias/8/#", 0);
            pub.send(publish("alias/8/a", 0, 0, MqttProperties.EMPTY, "1"));
            pub.send(publish("alias/8/a", 0, 0, MqttProperties.EMPTY, "2"));
            pub.send(publish("alias/8/b", 0, 0, MqttProperties.EMPTY, "3"));
            pub.send(publish("alias/8/a", 0, 0, MqttProperties.EMPTY, "4"));

            Publish first = sub.receive(Publish.class);
            assertThat(first.topic()).isEqualTo("alias/8/a");
            assertThat(first.properties().number(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(1);
            Publish second = sub.receive(Publish.class);
            assertThat(second.topic()).isEmpty();
            assertThat(second.properties().number(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(1);
            assertThat(text(second)).isEqualTo("2");
            // The one alias the client allows is taken: another topic goes out in full, without an alias.
            Publish third = sub.receive(Publish.class);
            assertThat(third.topic()).isEqualTo("alias/8/b");
            assertThat(third.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
            Publish fourth = sub.receive(Publish.class);
            assertThat(fourth.topic()).isEmpty();
            assertThat(fourth.properties().number(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-10: the HiveMQ client with a Topic Alias Maximum resolves the broker's aliases")
    void hiveMqResolvesTheBrokersAliases() throws Exception {
        // Not Paho 1.2.5: it maps the alias of an empty-topic PUBLISH to the empty topic instead of resolving it.
        Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier("alias-hive-sub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().identifier("alias-hive-pub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        sub.connectWith().restrictions().topicAliasMaximum(10).applyRestrictions().send();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("alias/9/#").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.connect();
            for (int i = 1; i <= 3; i++) {
                pub.publishWith().topic("alias/9/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
            }
            List<String> received = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
                received.add(p.getTopic() + "=" + new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
            assertThat(received).containsExactly("alias/9/telemetry=m1", "alias/9/telemetry=m2",
                    "alias/9/telemetry=m3");
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    @DisplayName("The Reason String of the DISCONNECT names the alias problem")
    void theDisconnectExplainsItself() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "alias-pub-10")) {
            pub.send(publish("alias/10", 0, 0, alias(ALIAS_MAXIMUM + 3), "x"));
            Disconnect d = RawV5.awaitDisconnect(pub);
            assertThat(d.properties().string(PropertyId.REASON_STRING)).contains("Topic Alias");
        }
    }
}
