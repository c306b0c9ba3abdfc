package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password-file and acl-file settings: their configuration errors, word for word, and a broker that refuses to
 * start on a file it cannot use, naming it (and the line).
 */
class SecurityStartTest {
    @TempDir
    Path dir;

    @Test
    void passwordAndAclFilesResolveAgainstTheConfigurationFilesDirectory() {
        BrokerConfig config = ConfigLoader.parse("/etc/midge/midge.yaml", """
                password-file: passwd
                acl-file: /srv/acl
                """);
        assertThat(config.security().passwordFile()).isEqualTo(Path.of("/etc/midge/passwd"));
        assertThat(config.security().aclFile()).isEqualTo(Path.of("/srv/acl"));
    }

    @Test
    void anEmptyPasswordFileNameIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("/etc/midge/midge.yaml", "password-file: ''\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/etc/midge/midge.yaml:1: 'password-file' must name a file");
    }

    @Test
    void aListForTheAclFileIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("/etc/midge/midge.yaml", "acl-file: [a, b]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/etc/midge/midge.yaml:1: expected a file name for 'acl-file', found a list");
    }

    @Test
    @DisplayName("A missing password file stops the start with a message naming it")
    void missingPasswordFileStopsTheStart() {
        Path missing = dir.resolve("passwd");
        assertThatThrownBy(() -> SecuredBroker.start(b -> b.set(PASSWORD_FILE, missing)))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(missing + ": cannot read the password file: java.nio.file.NoSuchFileException: "
                        + missing);
    }

    @Test
    @DisplayName("A wrong line in the password file stops the start with the file and the line")
    void wrongPasswordLineStopsTheStart() throws Exception {
        Path passwd = SecuredBroker.write(dir.resolve("passwd"), "# users", "carol:plaintext");
        assertThatThrownBy(() -> SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwd)))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(passwd + ":2: user 'carol': unknown hash format (expected "
                        + "$pbkdf2-sha512$<iterations>$<salt>$<hash>)");
    }

    @Test
    @DisplayName("A wrong line in the ACL file stops the start with the file and the line")
    void wrongAclLineStopsTheStart() throws Exception {
        Path passwd = SecuredBroker.writePasswords(dir);
        Path acl = SecuredBroker.write(dir.resolve("acl"), "user alice", "topik read home/#");
        assertThatThrownBy(() -> SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwd).set(ACL_FILE, acl)))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(acl + ":2: unknown keyword 'topik' (expected user, topic, pattern or admin)");
    }

    @Test
    @DisplayName("A missing ACL file stops the start with a message naming it")
    void missingAclFileStopsTheStart() {
        Path missing = dir.resolve("acl");
        assertThatThrownBy(() -> SecuredBroker.start(b -> b.set(ACL_FILE, missing)))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(missing + ": cannot read the ACL file: java.nio.file.NoSuchFileException: " + missing);
    }

    @Test
    @DisplayName("The unknown-user path does the same hash work as a wrong password (a dummy hash is checked)")
    void unknownUserCostsOneHash() throws Exception {
        Path passwd = SecuredBroker.writePasswords(dir);
        try (SecuredBroker broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwd))) {
            PasswordAuthenticator authenticator = broker.broker.security().passwords();
            try (RawClient client = new RawClient(broker.port())) {
                assertThat(SecuredBroker.connAck(client, MqttVersion.MQTT_5, "wrong-pw", "alice", "nope", null)
                        .reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            assertThat(authenticator.dummyChecks()).isZero(); // alice's own hash was checked
            try (RawClient client = new RawClient(broker.port())) {
                assertThat(SecuredBroker.connAck(client, MqttVersion.MQTT_5, "no-user", "mallory", "nope", null)
                        .reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            assertThat(authenticator.dummyChecks()).isEqualTo(1);
            assertThat(authenticator.dummyHash().iterations())
                    .isEqualTo(PasswordFile.load(passwd).hashOf("alice").iterations());
        }
    }

    @Test
    @DisplayName("Repeated failures from one address are slowed down: answers beyond the fifth are held back")
    void repeatedFailuresAreThrottled() throws Exception {
        Path passwd = SecuredBroker.writePasswords(dir);
        try (SecuredBroker broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwd))) {
            for (int i = 0; i < 6; i++) {
                try (RawClient client = new RawClient(broker.port())) {
                    assertThat(SecuredBroker.connAck(client, MqttVersion.MQTT_3_1_1, "guess-" + i, "alice",
                            "guess-" + i, null).reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
                }
            }
            assertThat(broker.broker.security().passwords().throttledAnswers()).isEqualTo(1);
            assertThat(broker.broker.metrics().authenticationsRefused.sum()).isEqualTo(6);
        }
    }

    @Test
    void securityFilesAreNotWatchedWithoutThem() throws Exception {
        try (SecuredBroker broker = SecuredBroker.start(b -> b)) {
            assertThat(broker.broker.security().authorizer()).isSameAs(Authorizer.ALLOW_ALL);
            assertThat(broker.broker.security().passwords()).isNull();
            assertThat(broker.broker.reloadSecurity()).isTrue();
        }
        assertThat(Files.list(dir)).isEmpty();
    }
}
