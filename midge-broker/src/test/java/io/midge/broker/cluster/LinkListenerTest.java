package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Who may act as a node: only a client on the link listener that proves the cluster's secret. One node in this JVM
 * (a cluster of one), in memory.
 */
class LinkListenerTest {
    private static Broker node;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        node = Broker.start(BrokerConfig.builder().set(ConfigKeys.PORT, 0).set(ConfigKeys.HTTP_PORT, 0)
                .set(ConfigKeys.IN_MEMORY, true).set(ConfigKeys.SYS_INTERVAL, 0)
                .set(ConfigKeys.CLUSTER_PORT, port).set(ConfigKeys.CLUSTER_NODE_ID, "solo")
                .set(ConfigKeys.CLUSTER_SECRET, "right").set(ConfigKeys.CLUSTER_MEMBERS, List.of("127.0.0.1:" + port))
                .build());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        assertThat(Hazelcast.getAllHazelcastInstances()).as("Hazelcast stopped with the broker").isEmpty();
    }

    private static Connect connect(String clientId, MqttProperties props) {
        return new Connect(MqttVersion.MQTT_5, clientId, false, 0, null, null, null, props);
    }

    @Test
    @DisplayName("A client on an MQTT listener cannot take a node's identifier: CONNACK 0x85")
    void mqttListenerRefusesNodeIdentifiers() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertThat(c.connAck(connect("$cluster/to/solo", MqttProperties.EMPTY)).reasonCode())
                    .isEqualTo(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        }
    }

    @Test
    @DisplayName("The link listener takes node identifiers only (0x85), and no client without the secret's "
            + "proof: anonymous, password or a wrong proof are refused (0x87)")
    void linkListenerTakesProvenNodesOnly() throws Exception {
        try (RawClient c = new RawClient(node.linkPort())) {
            assertThat(c.connAck(connect("sensor-1", MqttProperties.EMPTY)).reasonCode())
                    .isEqualTo(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        }
        try (RawClient c = new RawClient(node.linkPort())) {
            assertThat(c.connAck(connect("$cluster/from/x", MqttProperties.EMPTY)).reasonCode())
                    .isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
        try (RawClient c = new RawClient(node.linkPort())) {
            Connect withPassword = new Connect(MqttVersion.MQTT_5, "$cluster/from/x", false, 0, "admin",
                    Binary.utf8("admin"), null, MqttProperties.EMPTY);
            assertThat(c.connAck(withPassword).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
        try (RawClient c = new RawClient(node.linkPort())) {
            c.version(MqttVersion.MQTT_5).send(connect("$cluster/from/x", MqttProperties.builder()
                    .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                    .add(PropertyId.AUTHENTICATION_DATA, Binary.of(LinkSecret.nonce())).build()));
            Auth challenge = c.receive(Auth.class);
            assertThat(challenge.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
            c.send(new Auth(ReasonCode.CONTINUE_AUTHENTICATION, MqttProperties.builder()
                    .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                    .add(PropertyId.AUTHENTICATION_DATA, Binary.of(new byte[32])).build()));
            assertThat(c.receive(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    @DisplayName("A node with the secret's proof is let in, and proves the secret back in CONNACK")
    void provenNodeIsLetIn() throws Exception {
        try (RawClient c = new RawClient(node.linkPort())) {
            provenLink(c, "$cluster/from/other");
        }
    }

    /** Connects as a node with the secret's proof; asserts that CONNACK lets it in and proves the secret back. */
    private static ConnAck provenLink(RawClient c, String id) throws Exception {
        LinkSecret secret = new LinkSecret("midge", "right");
        byte[] clientNonce = LinkSecret.nonce();
        c.version(MqttVersion.MQTT_5).send(connect(id, MqttProperties.builder()
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA, Binary.of(clientNonce)).build()));
        byte[] serverNonce = c.receive(Auth.class).properties().binary(PropertyId.AUTHENTICATION_DATA)
                .toByteArray();
        c.send(new Auth(ReasonCode.CONTINUE_AUTHENTICATION, MqttProperties.builder()
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA,
                        Binary.of(secret.proof("client", id, clientNonce, serverNonce))).build()));
        ConnAck connAck = c.receive(ConnAck.class);
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(connAck.properties().binary(PropertyId.AUTHENTICATION_DATA).toByteArray())
                .isEqualTo(secret.proof("server", id, clientNonce, serverNonce));
        return connAck;
    }

    private static Publish publish(String topic, int alias) {
        return new Publish(topic, 0, false, false, 0, MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, alias)
                .build(), Unpooled.copiedBuffer(topic, StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("MQTT-3.3.2-12: a node's link may set every topic alias up to 65535, above a client's, as its CONNACK "
            + "says, and an alias-only PUBLISH reaches that topic's subscribers; an alias never set on the connection "
            + "is a Protocol Error (0x82, §3.3.2.3.4)")
    void nodeLinkPublishesByAlias() throws Exception {
        try (RawClient subscriber = new RawClient(node.port()); RawClient link = new RawClient(node.linkPort())) {
            subscriber.connect("alias-subscriber");
            subscriber.send(new Subscribe(1, List.of(new Subscription("alias/#", 0)), MqttProperties.EMPTY));
            subscriber.receive(SubAck.class);
            ConnAck connAck = provenLink(link, "$cluster/from/aliasing");
            assertThat(connAck.properties().number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)).isEqualTo(65_535);

            link.send(publish("alias/a", 65_535), publish("", 65_535), publish("alias/b", 1), publish("", 1),
                    publish("", 65_535));
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Publish p = subscriber.receive(Publish.class);
                topics.add(p.topic() + " " + p.payload().toString(StandardCharsets.UTF_8));
            }
            // The payload names the topic the link sent in full ("" for an alias-only PUBLISH).
            assertThat(topics).containsExactly("alias/a alias/a", "alias/a ", "alias/b alias/b", "alias/b ",
                    "alias/a ");

            link.send(publish("", 2));
            assertThat(link.awaitClose()).singleElement().isInstanceOfSatisfying(Disconnect.class,
                    d -> assertThat(d.reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR));
        }
    }
}
