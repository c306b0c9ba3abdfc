package io.midge.broker.protocol;

import static io.midge.broker.protocol.EmbeddedClient.publish;
import static io.midge.broker.protocol.EmbeddedClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.security.Authorizer;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE and UNSUBSCRIBE on an EmbeddedChannel: the answers in 3.1.1 and 5.0, refusals, retained messages. */
class SubscriptionRequestsTest {
    /** An ACL that keeps everyone from subscribing to secret/...: what the ACL file's rules come to. */
    private static final Authorizer NO_SECRETS = new Authorizer() {
        @Override
        public boolean canPublish(String clientId, String username, String topic) {
            return true;
        }

        @Override
        public boolean canSubscribe(String clientId, String username, String filter) {
            return !filter.startsWith("secret");
        }

        @Override
        public boolean canReceive(String clientId, String username, String topic) {
            return true;
        }
    };

    private EmbeddedBroker broker = new EmbeddedBroker();

    @AfterEach
    void close() {
        broker.close();
    }

    private void reconfigure(BrokerConfig config, Authorizer authorizer) {
        broker.close();
        broker = new EmbeddedBroker(config, authorizer);
    }

    private EmbeddedClient connected(MqttVersion version, String clientId) {
        EmbeddedClient client = broker.client(version);
        client.connect(clientId, true);
        return client;
    }

    private static List<ReasonCode> subscribe(EmbeddedClient client, int packetId, Subscription... subscriptions) {
        client.send(new Subscribe(packetId, List.of(subscriptions), MqttProperties.EMPTY));
        SubAck subAck = client.receivedOnly(SubAck.class);
        assertThat(subAck.packetId()).isEqualTo(packetId);
        return subAck.reasonCodes();
    }

    @Test
    @DisplayName("MQTT-3.8.4-5 (3.1.1): SUBACK has a code per filter, in order: the QoS granted, at most the "
            + "maximum QoS")
    void grantedQos311() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.MAXIMUM_QOS, 1).build(), Authorizer.ALLOW_ALL);
        EmbeddedClient client = connected(MqttVersion.MQTT_3_1_1, "c");
        assertThat(subscribe(client, 3, new Subscription("a", 0), new Subscription("b", 1), new Subscription("c", 2)))
                .containsExactly(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_1);
    }

    @Test
    @DisplayName("MQTT-3.8.4-6, MQTT-3.8.4-7 (5.0): SUBACK has a code per filter, in order: the QoS granted")
    void grantedQos5() {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c");
        assertThat(subscribe(client, 4, new Subscription("a/+", 2), new Subscription("b/#", 0)))
                .containsExactly(ReasonCode.GRANTED_QOS_2, ReasonCode.GRANTED_QOS_0);
        assertThat(broker.sessions.get("c").subscriptions()).containsOnlyKeys("a/+", "b/#");
    }

    @Test
    @DisplayName("§3.9.3: a filter the ACL denies gets 0x80 Failure in 3.1.1 (the one failure it has) and "
            + "0x87 Not authorized in 5.0; the other filters are granted")
    void deniedByAcl() {
        reconfigure(BrokerConfig.defaults(), NO_SECRETS);
        EmbeddedClient v311 = connected(MqttVersion.MQTT_3_1_1, "v311");
        assertThat(subscribe(v311, 1, new Subscription("secret/#", 1), new Subscription("open", 1)))
                .containsExactly(ReasonCode.UNSPECIFIED_ERROR, ReasonCode.GRANTED_QOS_1);
        EmbeddedClient v5 = connected(MqttVersion.MQTT_5, "v5");
        assertThat(subscribe(v5, 1, new Subscription("secret/#", 1), new Subscription("open", 1)))
                .containsExactly(ReasonCode.NOT_AUTHORIZED, ReasonCode.GRANTED_QOS_1);
        assertThat(broker.sessions.get("v5").subscriptions()).containsOnlyKeys("open");
        assertThat(broker.metrics.subscriptionsDenied.sum()).isEqualTo(2);
    }

    @Test
    @DisplayName("§3.9.3: a filter on the deny-subscribe list gets 0x80 in 3.1.1 and 5.0")
    void denySubscribeList() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.DENY_SUBSCRIBE, List.of("#")).build(), Authorizer.ALLOW_ALL);
        EmbeddedClient v311 = connected(MqttVersion.MQTT_3_1_1, "v311");
        assertThat(subscribe(v311, 1, new Subscription("#", 0), new Subscription("a/#", 0)))
                .containsExactly(ReasonCode.UNSPECIFIED_ERROR, ReasonCode.GRANTED_QOS_0);
        EmbeddedClient v5 = connected(MqttVersion.MQTT_5, "v5");
        assertThat(subscribe(v5, 1, new Subscription("#", 0))).containsExactly(ReasonCode.UNSPECIFIED_ERROR);
        assertThat(broker.sessions.get("v5").subscriptions()).isEmpty();
    }

    @Test
    @DisplayName("§3.9.3 (3.1.1): a $share filter that 5.0 would refuse (MQTT-4.8.2-1, -2) gets 0x80 Failure, the "
            + "connection stays")
    void badSharedFilter311() {
        EmbeddedClient client = connected(MqttVersion.MQTT_3_1_1, "c");
        assertThat(subscribe(client, 1, new Subscription("$share//x", 0), new Subscription("$share/g", 0),
                new Subscription("$share/g/x", 0)))
                .containsExactly(ReasonCode.UNSPECIFIED_ERROR, ReasonCode.UNSPECIFIED_ERROR, ReasonCode.GRANTED_QOS_0);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    @DisplayName("§3.9.3: a new filter beyond max-subscriptions gets 0x97 Quota exceeded in 5.0, 0x80 in 3.1.1; "
            + "one subscribed already may be subscribed again")
    void maxSubscriptions() {
        reconfigure(BrokerConfig.builder().set(ConfigKeys.MAX_SUBSCRIPTIONS, 1).build(), Authorizer.ALLOW_ALL);
        EmbeddedClient v5 = connected(MqttVersion.MQTT_5, "v5");
        assertThat(subscribe(v5, 1, new Subscription("a", 1), new Subscription("b", 1), new Subscription("a", 0)))
                .containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.QUOTA_EXCEEDED, ReasonCode.GRANTED_QOS_0);
        EmbeddedClient v311 = connected(MqttVersion.MQTT_3_1_1, "v311");
        assertThat(subscribe(v311, 1, new Subscription("a", 1), new Subscription("b", 1)))
                .containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.UNSPECIFIED_ERROR);
    }

    @Test
    @DisplayName("MQTT-3.10.4-5, §3.11.3 (5.0): UNSUBACK has a code per filter, in order: 0x00, or 0x11 No "
            + "subscription existed; the subscription is gone (MQTT-3.10.4-2)")
    void unsubscribe5() {
        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c");
        subscribe(client, 1, new Subscription("a", 1));
        client.send(new Unsubscribe(2, List.of("never", "a"), MqttProperties.EMPTY));
        UnsubAck unsubAck = client.receivedOnly(UnsubAck.class);
        assertThat(unsubAck.packetId()).isEqualTo(2);
        assertThat(unsubAck.reasonCodes()).containsExactly(ReasonCode.NO_SUBSCRIPTION_EXISTED, ReasonCode.SUCCESS);

        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(publish("a", 0, 0, "after", MqttProperties.EMPTY));
        assertThat(client.received()).isEmpty();
    }

    @Test
    @DisplayName("MQTT-3.10.4-4 (3.1.1), §3.11.3: UNSUBACK has no payload, whether or not the filter was subscribed: "
            + "exactly B0 02 and the packet identifier")
    void unsubscribe311() {
        EmbeddedClient client = connected(MqttVersion.MQTT_3_1_1, "c");
        subscribe(client, 1, new Subscription("a", 1));
        client.send(new Unsubscribe(0x1234, List.of("a", "never"), MqttProperties.EMPTY));
        assertThat(client.receivedBytes()).containsExactly(0xB0, 0x02, 0x12, 0x34);
        assertThat(broker.sessions.get("c").subscriptions()).isEmpty();
    }

    @Test
    @DisplayName("MQTT-3.3.1-9 (5.0): a new subscription gets the retained message with RETAIN 1, after its SUBACK; "
            + "Retain Handling 2 gets none (MQTT-3.3.1-11)")
    void retainedOnSubscribe() {
        EmbeddedClient pub = connected(MqttVersion.MQTT_5, "pub");
        pub.send(new Publish("kept", 1, true, false, 1, MqttProperties.EMPTY,
                ByteBufAllocator.DEFAULT.buffer().writeByte('k')));
        pub.received();

        EmbeddedClient client = connected(MqttVersion.MQTT_5, "c");
        client.send(new Subscribe(5, List.of(new Subscription("kept", 1)), MqttProperties.EMPTY));
        List<?> answer = client.received();
        assertThat(answer).hasSize(2);
        assertThat(answer.get(0)).isInstanceOf(SubAck.class);
        Publish retained = (Publish) answer.get(1);
        assertThat(retained.retainFlag()).isTrue();
        assertThat(text(retained)).isEqualTo("k");

        EmbeddedClient none = connected(MqttVersion.MQTT_5, "none");
        none.send(new Subscribe(6, List.of(new Subscription("kept", 1, false, false, 2)), MqttProperties.EMPTY));
        assertThat(none.receivedOnly(SubAck.class).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
    }

    @Test
    @DisplayName("MQTT-3.10.4-5 (3.1.1): UNSUBSCRIBE of a $share/ filter without a filter after the group, which a 3.x "
            + "SUBSCRIBE gets 0x80 for, is answered UNSUBACK and the connection stays usable (found by fuzzing)")
    void unsubscribeMalformedSharedFilterIn311() {
        for (MqttVersion version : List.of(MqttVersion.MQTT_3_1, MqttVersion.MQTT_3_1_1)) {
            EmbeddedClient client = connected(version, "unsub-share-" + version.level());
            client.send(new Subscribe(1, List.of(new Subscription("$share/abcde", 1)), MqttProperties.EMPTY));
            assertThat(client.receivedOnly(SubAck.class).reasonCodes()).containsExactly(ReasonCode.UNSPECIFIED_ERROR);
            client.send(new Unsubscribe(2, List.of("$share/abcde", "$share/g"), MqttProperties.EMPTY));
            assertThat(client.receivedOnly(UnsubAck.class).packetId()).isEqualTo(2);
            assertThat(client.isOpen()).isTrue();
        }
    }
}
