package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each client may do with each topic under one ACL file, each cell a test against a running broker with real
 * packets: publish (5.0 PUBACK 0x87 when denied), subscribe (SUBACK 0x87 when denied) and receive (a message on the
 * topic reaches a subscriber, subscribed while everything was allowed, only with the read right: the rules are
 * narrowed by a reload between subscribing and publishing). %c stands for the client identifier, %u for the user name.
 */
class AclTableTest {
    @TempDir
    static Path dir;
    private static Path passwords;
    private static Path rules;
    private static Path open;

    @BeforeAll
    static void writeFiles() throws IOException {
        passwords = SecuredBroker.writePasswords(dir);
        rules = SecuredBroker.write(dir.resolve("acl"),
                "# everyone",
                "topic read public/#",
                "pattern readwrite devices/%c/#",
                "pattern read users/%u/inbox/#",
                "user alice",
                "topic readwrite home/#",
                "topic deny home/safe/#",
                "user bob",
                "topic write reports/#",
                "user admin",
                "topic readwrite #");
        open = SecuredBroker.write(dir.resolve("acl-open"), "topic readwrite #");
    }

    /** Client: user name (null: anonymous) and client identifier. */
    private static final String[][] CLIENTS = {{"alice", "alice-dev"}, {"bob", "bob-dev"}, {null, "anon-dev"}};

    /** Topic, then publish/subscribe/receive rights of alice, bob and the anonymous client ("prs": all three). */
    private static final String[][] TABLE = {
            {"public/news", "-rs", "-rs", "-rs"},
            {"home/kitchen", "prs", "---", "---"},
            {"home/safe/code", "---", "---", "---"},
            {"devices/alice-dev/state", "prs", "---", "---"},
            {"devices/anon-dev/state", "---", "---", "prs"},
            {"users/alice/inbox/1", "-rs", "---", "---"},
            {"users/bob/inbox/1", "---", "-rs", "---"},
            {"reports/daily", "---", "p--", "---"},
    };

    enum Right { PUBLISH, SUBSCRIBE, RECEIVE }

    static List<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (String[] row : TABLE) {
            for (int c = 0; c < CLIENTS.length; c++) {
                String rights = row[c + 1];
                cells.add(Arguments.of(CLIENTS[c][0], CLIENTS[c][1], row[0], Right.PUBLISH, rights.charAt(0) == 'p'));
                cells.add(Arguments.of(CLIENTS[c][0], CLIENTS[c][1], row[0], Right.SUBSCRIBE,
                        rights.charAt(2) == 's'));
                cells.add(Arguments.of(CLIENTS[c][0], CLIENTS[c][1], row[0], Right.RECEIVE, rights.charAt(1) == 'r'));
            }
        }
        return cells;
    }

    @ParameterizedTest(name = "user={0} client={1} {3} {2} -> {4}")
    @MethodSource("cells")
    void rightsFollowTheTable(String user, String clientId, String topic, Right right, boolean allowed)
            throws Exception {
        Path acl = dir.resolve("acl-" + System.nanoTime());
        java.nio.file.Files.copy(right == Right.RECEIVE ? open : rules, acl);
        try (SecuredBroker broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords).set(ACL_FILE, acl));
             RawClient client = connect(broker, user, clientId)) {
            switch (right) {
                case PUBLISH -> {
                    client.send(new Publish(topic, 1, false, false, 1, MqttProperties.EMPTY,
                            Unpooled.wrappedBuffer("x".getBytes(StandardCharsets.UTF_8))));
                    PubAck ack = client.receive(PubAck.class);
                    assertThat(ack.reasonCode().isError()).as(ack.reasonCode().toString()).isEqualTo(!allowed);
                    if (!allowed) {
                        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
                        assertThat(broker.broker.metrics().publishesDenied.sum()).isEqualTo(1);
                    }
                }
                case SUBSCRIBE -> {
                    client.send(new Subscribe(1, List.of(new Subscription(topic, 1)), MqttProperties.EMPTY));
                    assertThat(client.receive(SubAck.class).reasonCodes()).containsExactly(allowed
                            ? ReasonCode.of(PacketType.SUBACK, 1) : ReasonCode.NOT_AUTHORIZED);
                }
                case RECEIVE -> {
                    client.send(new Subscribe(1, List.of(new Subscription(topic, 0),
                            new Subscription("public/marker", 0)), MqttProperties.EMPTY));
                    client.receive(SubAck.class);
                    java.nio.file.Files.copy(rules, acl, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    assertThat(broker.broker.reloadSecurity()).isTrue();
                    try (RawClient admin = connect(broker, "admin", "admin-dev")) {
                        admin.send(new Publish(topic, 0, false, false, 0, MqttProperties.EMPTY,
                                Unpooled.wrappedBuffer("target".getBytes(StandardCharsets.UTF_8))));
                        admin.send(new Publish("public/marker", 0, false, false, 0, MqttProperties.EMPTY,
                                Unpooled.wrappedBuffer("marker".getBytes(StandardCharsets.UTF_8))));
                        // One publisher, one subscriber: the target, if it comes, comes before the marker.
                        MqttPacket first = client.receive();
                        assertThat(((Publish) first).topic()).isEqualTo(allowed ? topic : "public/marker");
                        assertThat(broker.broker.metrics().deliveriesWithheld.sum()).isEqualTo(allowed ? 0 : 1);
                    }
                }
            }
        }
    }

    private static RawClient connect(SecuredBroker broker, String user, String clientId) throws IOException {
        RawClient client = new RawClient(broker.port());
        client.connect(new Connect(MqttVersion.MQTT_5, clientId, true, 0, user, user == null ? null
                : Binary.utf8(user + "-pw"), null, MqttProperties.EMPTY));
        return client;
    }
}
