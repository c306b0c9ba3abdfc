package io.midge.broker.mqtt5;

import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;
import static io.midge.broker.mqtt5.RawV5.props;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CONNACK properties that tell a 5.0 client the broker's limits and features (MQTT 5.0 section 3.2.2.3), and
 * that the features it implies by leaving a property out (default 1 = available) are there.
 */
class ServerCapabilitiesTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(RECEIVE_MAXIMUM, 100).set(MAX_PACKET_SIZE, 4096)
            .set(TOPIC_ALIAS_MAXIMUM, 8));

    @Test
    @DisplayName("§3.2.2.3: the CONNACK tells Receive Maximum, Maximum Packet Size and Topic Alias Maximum; "
            + "wildcard, shared and identified subscriptions are said to be available (1)")
    void theConnAckTellsTheLimits() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = client.connect(RawV5.connectPacket("caps-1", true, MqttProperties.EMPTY));
            MqttProperties p = connAck.properties();
            assertThat(p.number(PropertyId.RECEIVE_MAXIMUM, 65535)).isEqualTo(100);
            assertThat(p.number(PropertyId.MAXIMUM_PACKET_SIZE, 0)).isEqualTo(4096);
            assertThat(p.number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)).isEqualTo(8);
            // Absent would mean 1 (sections 3.2.2.3.11-13), but some clients trust only what is said: said.
            assertThat(p.number(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE, 0)).isEqualTo(1);
            assertThat(p.number(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0)).isEqualTo(1);
            assertThat(p.number(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE, 0)).isEqualTo(1);
            // QoS 2 and retain are supported: MQTT-3.2.2-9 needs no Maximum QoS, absent Retain Available means 1.
            assertThat(p.contains(PropertyId.MAXIMUM_QOS)).isFalse();
            assertThat(p.number(PropertyId.RETAIN_AVAILABLE, 1)).isEqualTo(1);
            // MQTT-4.12.0-6: no Authentication Method without enhanced authentication.
            assertThat(p.contains(PropertyId.AUTHENTICATION_METHOD)).isFalse();
        }
    }

    @Test
    @DisplayName("§3.2.2.3.11-13: the features said to be available work: wildcard, shared and identified "
            + "subscriptions are all granted")
    void theAdvertisedFeaturesWork() throws Exception {
        try (RawClient client = RawV5.connect(broker.port(), "caps-2")) {
            client.send(new Subscribe(1, List.of(new Subscription("caps/+/temp", 1), new Subscription("caps/#", 2),
                    new Subscription("$share/workers/caps/jobs", 1)), props(PropertyId.SUBSCRIPTION_IDENTIFIER, 9)));
            SubAck subAck = client.receive(SubAck.class);
            assertThat(subAck.reasonCodes()).containsExactly(ReasonCode.of(PacketType.SUBACK, 1),
                    ReasonCode.of(PacketType.SUBACK, 2), ReasonCode.of(PacketType.SUBACK, 1));
        }
    }

    @Test
    @DisplayName("§3.2.2.3: the HiveMQ client reads the same limits and features from the CONNACK")
    void hiveMqSeesTheLimits() {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("caps-hive")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        Mqtt5ConnAck connAck = client.connect();
        try {
            Mqtt5ConnAckRestrictions r = connAck.getRestrictions();
            assertThat(r.getReceiveMaximum()).isEqualTo(100);
            assertThat(r.getMaximumPacketSize()).isEqualTo(4096);
            assertThat(r.getTopicAliasMaximum()).isEqualTo(8);
            assertThat(r.getMaximumQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(r.isRetainAvailable()).isTrue();
            assertThat(r.isWildcardSubscriptionAvailable()).isTrue();
            assertThat(r.isSharedSubscriptionAvailable()).isTrue();
            assertThat(r.areSubscriptionIdentifiersAvailable()).isTrue();
        } finally {
            client.disconnect();
        }
    }
}
