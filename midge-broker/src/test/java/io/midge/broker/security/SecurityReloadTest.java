package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password and ACL files are reread when they change on disk and on {@code reloadSecurity()} (SIGHUP), without
 * dropping anyone: connected clients keep their connection and the new rules apply to what they do next. A broken
 * file keeps the previous rules.
 */
class SecurityReloadTest {
    @TempDir
    Path dir;
    private Path passwords;
    private Path acl;
    private SecuredBroker broker;

    @BeforeEach
    void start() throws Exception {
        passwords = SecuredBroker.writePasswords(dir);
        acl = SecuredBroker.write(dir.resolve("acl"), "user alice", "topic readwrite home/#");
        broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords).set(ACL_FILE, acl));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** Replaces a file as editors and `midge passwd` do: a new file moved over the old one. */
    private void replace(Path file, String... lines) throws IOException {
        Path temp = SecuredBroker.write(dir.resolve("new-" + System.nanoTime()), lines);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ReasonCode publish(RawClient client, int packetId) throws IOException {
        client.send(new Publish("home/door", 1, false, false, packetId, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(new byte[] {1})));
        return client.receive(PubAck.class).reasonCode();
    }

    private static void assertStillConnected(RawClient client) throws IOException {
        client.send(PingReq.INSTANCE);
        assertThat(client.receive()).isInstanceOf(PingResp.class);
    }

    @Test
    @DisplayName("An ACL file changed on disk narrows the rights of a connected client, which stays connected")
    void changedAclFileAppliesToConnectedClients() throws Exception {
        try (RawClient alice = broker.connect(MqttVersion.MQTT_5, "alice-reload", "alice", "alice-pw")) {
            assertThat(publish(alice, 1).isError()).isFalse();
            replace(acl, "user alice", "topic readwrite garden/#");
            int[] packetId = {2};
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> publish(alice, packetId[0]++) == ReasonCode.NOT_AUTHORIZED);
            assertStillConnected(alice);
        }
    }

    @Test
    @DisplayName("A password file changed on disk: the new password works, the old one fails, connected clients stay")
    void changedPasswordFileAppliesToNewLogins() throws Exception {
        try (RawClient connected = broker.connect(MqttVersion.MQTT_5, "alice-stays", "alice", "alice-pw")) {
            PasswordHash newHash = PasswordHash.create("new-pw".toCharArray(), PasswordHash.MIN_ITERATIONS);
            PasswordFile.load(passwords).with("alice", newHash, null).save(passwords);
            // Wait for the reload itself: failed logins meanwhile would count towards the failure throttle.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> newHash.equals(broker.broker.security().passwords().users().hashOf("alice")));
            broker.connect(MqttVersion.MQTT_5, "alice-new", "alice", "new-pw").close();
            try (RawClient old = new RawClient(broker.port())) {
                assertThat(SecuredBroker.connAck(old, MqttVersion.MQTT_5, "alice-old", "alice", "alice-pw", null)
                        .reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            assertStillConnected(connected);
        }
    }

    @Test
    @DisplayName("reloadSecurity (SIGHUP) rereads both files at once")
    void reloadRereadsBothFiles() throws Exception {
        try (RawClient alice = broker.connect(MqttVersion.MQTT_3_1_1, "alice-hup", "alice", "alice-pw")) {
            Files.writeString(acl, "user alice\ntopic readwrite garden/#\n");
            PasswordFile.load(passwords).without("bob").save(passwords);
            assertThat(broker.broker.reloadSecurity()).isTrue();
            assertThat(broker.broker.security().passwords().users().contains("bob")).isFalse();
            assertThat(broker.broker.security().authorizer().canPublish("alice-hup", "alice", "home/door")).isFalse();
            assertStillConnected(alice);
        }
    }

    @Test
    @DisplayName("A broken ACL or password file keeps the previous rules and users")
    void brokenFilesKeepThePreviousRules() throws Exception {
        try (RawClient alice = broker.connect(MqttVersion.MQTT_5, "alice-broken", "alice", "alice-pw")) {
            Files.writeString(acl, "user alice\ntopik readwrite garden/#\n");
            Files.writeString(passwords, "bob:plaintext\n");
            assertThat(broker.broker.reloadSecurity()).isFalse();
            assertThat(publish(alice, 1).isError()).isFalse();
            broker.connect(MqttVersion.MQTT_5, "bob-still", "bob", "bob-pw").close();
            assertStillConnected(alice);
        }
    }
}
