package io.midge.broker.connection;

import static io.midge.broker.config.ConfigKeys.MAXIMUM_QOS;
import static io.midge.broker.config.ConfigKeys.MAX_PACKET_SIZE;
import static io.midge.broker.config.ConfigKeys.MAX_SESSION_EXPIRY;
import static io.midge.broker.config.ConfigKeys.RECEIVE_MAXIMUM;
import static io.midge.broker.config.ConfigKeys.RETAIN_AVAILABLE;
import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 5.0 CONNACK tells the client the broker's limits; a 3.1.1 CONNACK is four bytes. */
class ConnAckPropertiesTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    private static final java.util.function.UnaryOperator<io.midge.broker.config.BrokerConfig.Builder> RESTRICTED =
            b -> b.set(RECEIVE_MAXIMUM, 10).set(MAX_PACKET_SIZE, 4096).set(TOPIC_ALIAS_MAXIMUM, 5).set(MAXIMUM_QOS, 1)
                    .set(RETAIN_AVAILABLE, false);

    private ConnAck rawConnAck(String clientId) throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            return client.version(MqttVersion.MQTT_5).connect(clientId);
        }
    }

    @Test
    @DisplayName("§3.2.2.3 (5.0): with the defaults, CONNACK has Receive Maximum 1024, Maximum Packet Size 1 MiB, Topic Alias Maximum 64, and no Maximum QoS or Retain Available (QoS 2 and retain are available)")
    void defaultsAreAdvertised() throws Exception {
        MqttProperties props = rawConnAck("connack-defaults").properties();
        assertThat(props.number(PropertyId.RECEIVE_MAXIMUM)).hasValue(1024);
        assertThat(props.number(PropertyId.MAXIMUM_PACKET_SIZE)).hasValue(1 << 20);
        assertThat(props.number(PropertyId.TOPIC_ALIAS_MAXIMUM)).hasValue(64);
        assertThat(props.contains(PropertyId.MAXIMUM_QOS)).isFalse();
        assertThat(props.contains(PropertyId.RETAIN_AVAILABLE)).isFalse();
        assertThat(props.contains(PropertyId.SERVER_KEEP_ALIVE)).isFalse();
        assertThat(props.contains(PropertyId.SESSION_EXPIRY_INTERVAL)).isFalse();
    }

    @Test
    @DisplayName("§3.2.2.3.2 (5.0): a Session Expiry Interval above the broker's maximum is answered with the granted one in CONNACK")
    void grantedSessionExpiryIsAdvertised() throws Exception {
        broker.restart(b -> b.set(MAX_SESSION_EXPIRY, 100L));
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(new Connect(MqttVersion.MQTT_5, "connack-expiry", true, 0, null, null, null,
                    MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600).build()));
            assertThat(ack.properties().number(PropertyId.SESSION_EXPIRY_INTERVAL)).hasValue(100);
        }
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck ack = client.connect(new Connect(MqttVersion.MQTT_5, "connack-expiry-ok", true, 0, null, null,
                    null, MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 50).build()));
            assertThat(ack.properties().contains(PropertyId.SESSION_EXPIRY_INTERVAL)).isFalse();
        }
    }

    @Test
    @DisplayName("§3.2.2.3 (5.0): configured limits are in CONNACK: Receive Maximum, Maximum Packet Size, Topic Alias Maximum, Maximum QoS 1, Retain Available 0")
    void configuredLimitsAreAdvertised() throws Exception {
        broker.restart(RESTRICTED);
        MqttProperties props = rawConnAck("connack-restricted").properties();
        assertThat(props.number(PropertyId.RECEIVE_MAXIMUM)).hasValue(10);
        assertThat(props.number(PropertyId.MAXIMUM_PACKET_SIZE)).hasValue(4096);
        assertThat(props.number(PropertyId.TOPIC_ALIAS_MAXIMUM)).hasValue(5);
        assertThat(props.number(PropertyId.MAXIMUM_QOS)).hasValue(1);
        assertThat(props.number(PropertyId.RETAIN_AVAILABLE)).hasValue(0);
    }

    @Test
    @DisplayName("§3.2.2.3.8 (5.0): Topic Alias Maximum 0 (aliases off) is advertised by leaving the property out")
    void noTopicAliasesMeansNoProperty() throws Exception {
        broker.restart(b -> b.set(TOPIC_ALIAS_MAXIMUM, 0));
        assertThat(rawConnAck("connack-no-alias").properties().contains(PropertyId.TOPIC_ALIAS_MAXIMUM)).isFalse();
    }

    @Test
    @DisplayName("§3.2.2.3.3 (5.0): Receive Maximum 65535 (the default value) is left out")
    void receiveMaximumAtItsDefaultIsLeftOut() throws Exception {
        broker.restart(b -> b.set(RECEIVE_MAXIMUM, 65535));
        assertThat(rawConnAck("connack-recv-max").properties().contains(PropertyId.RECEIVE_MAXIMUM)).isFalse();
    }

    @Test
    @DisplayName("§3.2.2.3 (5.0): the HiveMQ client reads the configured restrictions from CONNACK")
    void hiveMqSeesTheRestrictions() throws Exception {
        broker.restart(RESTRICTED);
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("connack-hivemq")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        try {
            Mqtt5ConnAckRestrictions restrictions = client.connect().getRestrictions();
            assertThat(restrictions.getReceiveMaximum()).isEqualTo(10);
            assertThat(restrictions.getMaximumPacketSize()).isEqualTo(4096);
            assertThat(restrictions.getTopicAliasMaximum()).isEqualTo(5);
            assertThat(restrictions.getMaximumQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(restrictions.isRetainAvailable()).isFalse();
        } finally {
            client.disconnect();
        }
    }

    @Test
    @DisplayName("§3.2.2.3 (5.0): the Paho v5 client reads the configured restrictions from CONNACK")
    void pahoV5SeesTheRestrictions() throws Exception {
        broker.restart(RESTRICTED);
        org.eclipse.paho.mqttv5.client.MqttClient paho = new org.eclipse.paho.mqttv5.client.MqttClient(
                broker.uri(), "connack-paho5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            IMqttToken token = paho.connectWithResult(new MqttConnectionOptions());
            org.eclipse.paho.mqttv5.common.packet.MqttProperties props = token.getResponseProperties();
            assertThat(props.getReceiveMaximum()).isEqualTo(10);
            assertThat(props.getMaximumPacketSize()).isEqualTo(4096L);
            assertThat(props.getTopicAliasMaximum()).isEqualTo(5);
            assertThat(props.getMaximumQoS()).isEqualTo(1);
            assertThat(props.isRetainAvailable()).isFalse();
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-1 (3.1.1): a 3.1.1 CONNACK is exactly 20 02 00 00 on a clean session, whatever the limits")
    void connAckIn311IsFourBytes() throws Exception {
        broker.restart(RESTRICTED);
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1_1, "connack-311");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            wire.sendHex("C0 00");
            assertThat(wire.read(2)).isEqualTo("D0 00");
        }
    }
}
