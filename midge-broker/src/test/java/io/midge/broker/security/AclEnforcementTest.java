package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** How the ACL is applied: the answers to a denied publish, subscription and will, and deliveries withheld. */
class AclEnforcementTest {
    @TempDir
    Path dir;
    private Path acl;
    private SecuredBroker broker;

    private static final String[] RULES = {
            "topic read public/#",
            "user alice",
            "topic readwrite home/#",
            "topic deny home/safe/#",
            "user admin",
            "topic readwrite #"};

    @BeforeEach
    void start() throws Exception {
        acl = SecuredBroker.write(dir.resolve("acl"), RULES);
        Path passwords = SecuredBroker.writePasswords(dir);
        broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords).set(ACL_FILE, acl));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private RawClient client(MqttVersion version, String user, String clientId) throws IOException {
        return broker.connect(version, clientId, user, user + "-pw");
    }

    private static Publish publish(String topic, int qos, int packetId, boolean retain, String payload) {
        return new Publish(topic, qos, retain, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)));
    }

    private static String text(Publish p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }

    /** Subscribes admin to everything; returns it. */
    private RawClient watcher(String clientId) throws Exception {
        RawClient admin = client(MqttVersion.MQTT_5, "admin", clientId);
        admin.send(new Subscribe(1, List.of(new Subscription("#", 1)), MqttProperties.EMPTY));
        admin.receive(SubAck.class);
        return admin;
    }

    @Test
    @DisplayName("MQTT-3.3.5-2: a denied QoS 1 publish from a 3.1.1 client is acknowledged as usual and dropped")
    void deniedQos1PublishIn311IsAcknowledgedAndDropped() throws Exception {
        try (RawClient admin = watcher("watch-311-q1"); RawClient alice = client(MqttVersion.MQTT_3_1_1, "alice",
                "alice-311-q1")) {
            alice.send(publish("home/safe/code", 1, 7, false, "secret"));
            assertThat(alice.receive(PubAck.class).packetId()).isEqualTo(7);
            alice.send(publish("home/kitchen", 1, 8, false, "allowed"));
            assertThat(alice.receive(PubAck.class).packetId()).isEqualTo(8);
            // Same publisher: the denied message would have arrived before the allowed one.
            Publish first = admin.receive(Publish.class);
            assertThat(first.topic()).isEqualTo("home/kitchen");
            assertThat(broker.broker.metrics().publishesDenied.sum()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("A denied QoS 2 publish: 5.0 PUBREC 0x87 ends the exchange; 3.1.1 PUBREC, PUBREL, PUBCOMP as usual")
    void deniedQos2Publish() throws Exception {
        try (RawClient admin = watcher("watch-q2");
             RawClient alice5 = client(MqttVersion.MQTT_5, "alice", "alice-5-q2");
             RawClient alice3 = client(MqttVersion.MQTT_3_1_1, "alice", "alice-3-q2")) {
            alice5.send(publish("home/safe/code", 2, 3, false, "secret"));
            PubRec rec5 = alice5.receive(PubRec.class);
            assertThat(rec5.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            assertThat(rec5.properties().string(PropertyId.REASON_STRING)).contains("home/safe/code");

            alice3.send(publish("home/safe/code", 2, 4, false, "secret"));
            assertThat(alice3.receive(PubRec.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            alice3.send(new PubRel(4));
            assertThat(alice3.receive(PubComp.class).packetId()).isEqualTo(4);

            alice3.send(publish("home/kitchen", 0, 0, false, "allowed"));
            assertThat(admin.receive(Publish.class).topic()).isEqualTo("home/kitchen");
            assertThat(broker.broker.metrics().publishesDenied.sum()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("A denied subscription: SUBACK 0x80 in 3.1.1 (Paho sees 128), the allowed filters of the same SUBSCRIBE granted")
    void deniedSubscriptionIn311IsFailure() throws Exception {
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + broker.port(), "alice-paho", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName("alice");
        options.setPassword("alice-pw".toCharArray());
        paho.connect(options);
        try {
            int[] granted = paho.subscribeWithResponse(new String[] {"home/#", "home/kitchen", "public/x"},
                    new int[] {1, 1, 0}).getGrantedQos();
            assertThat(granted).containsExactly(128, 1, 0);
            assertThat(broker.broker.metrics().subscriptionsDenied.sum()).isEqualTo(1);
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("A shared subscription is checked on the filter it shares")
    void sharedSubscriptionCheckedOnItsFilter() throws Exception {
        try (RawClient alice = client(MqttVersion.MQTT_5, "alice", "alice-shared")) {
            alice.send(new Subscribe(1, List.of(new Subscription("$share/g/home/kitchen", 1),
                    new Subscription("$share/g/home/safe/#", 1)), MqttProperties.EMPTY));
            assertThat(alice.receive(SubAck.class).reasonCodes())
                    .containsExactly(ReasonCode.of(PacketType.SUBACK, 1), ReasonCode.NOT_AUTHORIZED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A will to a topic the client may not publish to refuses the connection: 0x87 (3.1.1: 5)")
    void willToDeniedTopicRefusesTheConnection(MqttVersion version) throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Will will = new Will("home/safe/alarm", Binary.utf8("gone"), 0, false, MqttProperties.EMPTY);
            ConnAck connAck = SecuredBroker.connAck(client, version, "alice-will-" + version, "alice", "alice-pw",
                    will);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
            client.awaitClose();
        }
        try (RawClient client = new RawClient(broker.port())) {
            Will will = new Will("home/alarm", Binary.utf8("gone"), 0, false, MqttProperties.EMPTY);
            assertThat(SecuredBroker.connAck(client, version, "alice-will-ok-" + version, "alice", "alice-pw", will)
                    .reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
    }

    @Test
    @DisplayName("A retained message waiting to be sent is withheld once the client may no longer receive it")
    void retainedMessageWithheldWithoutReceiveRight() throws Exception {
        try (RawClient admin = client(MqttVersion.MQTT_5, "admin", "admin-retained")) {
            admin.send(publish("home/safe/code", 1, 1, true, "1234"));
            admin.receive(PubAck.class);
            // Receive Maximum 1 and one message in flight: the retained message the next SUBSCRIBE brings waits.
            RawClient alice = new RawClient(broker.port()).version(MqttVersion.MQTT_5);
            try (alice) {
                Files.writeString(acl, "user alice\ntopic readwrite home/#\nuser admin\ntopic readwrite #\n");
                assertThat(broker.broker.reloadSecurity()).isTrue();
                alice.connect(new Connect(MqttVersion.MQTT_5, "alice-retained", true, 0, "alice",
                        Binary.utf8("alice-pw"), null, MqttProperties.builder()
                        .add(PropertyId.RECEIVE_MAXIMUM, 1L).build()));
                alice.send(new Subscribe(1, List.of(new Subscription("home/kitchen", 1)), MqttProperties.EMPTY));
                alice.receive(SubAck.class);
                admin.send(publish("home/kitchen", 1, 2, false, "first"));
                admin.receive(PubAck.class);
                Publish first = alice.receive(Publish.class);
                assertThat(text(first)).isEqualTo("first");
                alice.send(new Subscribe(2, List.of(new Subscription("home/safe/code", 1)), MqttProperties.EMPTY));
                alice.receive(SubAck.class);
                // Now narrowed: alice may not receive home/safe/#; the retained message is still queued.
                Files.writeString(acl, String.join("\n", RULES) + "\n");
                assertThat(broker.broker.reloadSecurity()).isTrue();
                alice.send(new PubAck(first.packetId()));
                admin.send(publish("home/kitchen", 1, 3, false, "marker"));
                admin.receive(PubAck.class);
                assertThat(text(alice.receive(Publish.class))).isEqualTo("marker");
                assertThat(broker.broker.metrics().deliveriesWithheld.sum()).isEqualTo(1);
            }
        }
    }

    @Test
    @DisplayName("A will is not delivered to a subscriber that may not receive its topic")
    void willWithheldFromSubscriberWithoutReceiveRight() throws Exception {
        Files.writeString(acl, "user alice\ntopic readwrite home/#\nuser admin\ntopic readwrite #\n");
        assertThat(broker.broker.reloadSecurity()).isTrue();
        try (RawClient alice = client(MqttVersion.MQTT_5, "alice", "alice-will-watch")) {
            alice.send(new Subscribe(1, List.of(new Subscription("home/#", 0)), MqttProperties.EMPTY));
            alice.receive(SubAck.class);
            RawClient dying = new RawClient(broker.port());
            SecuredBroker.connAck(dying, MqttVersion.MQTT_5, "admin-dying", "admin", "admin-pw",
                    new Will("home/safe/alarm", Binary.utf8("gone"), 0, false, MqttProperties.EMPTY));
            Files.writeString(acl, String.join("\n", RULES) + "\n");
            assertThat(broker.broker.reloadSecurity()).isTrue();
            dying.close(); // no DISCONNECT: the will goes out
            org.awaitility.Awaitility.await().until(() -> broker.broker.metrics().deliveriesWithheld.sum() == 1);
            try (RawClient admin = client(MqttVersion.MQTT_5, "admin", "admin-marker")) {
                admin.send(publish("home/kitchen", 0, 0, false, "marker"));
                assertThat(alice.receive(Publish.class).topic()).isEqualTo("home/kitchen");
            }
            assertThat(broker.broker.metrics().willsPublished.sum()).isEqualTo(1);
        }
    }
}
