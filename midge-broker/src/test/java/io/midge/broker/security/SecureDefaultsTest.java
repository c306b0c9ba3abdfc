package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Secure by default, as Mosquitto 2: anonymous clients get in on a loopback listener only, unless the configuration
 * says otherwise in so many words. (The tests bind the wildcard address to be off the loopback, and connect over
 * the loopback, which the wildcard address includes.)
 */
class SecureDefaultsTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("A listener on every interface refuses an anonymous client: CONNACK 0x87 (3.1.1: 5, not authorized)")
    void anonymousClientIsRefusedOffTheLoopback(MqttVersion version) throws Exception {
        broker.restart(b -> b.set(HOST, "0.0.0.0"));
        ConnAck connAck = connect(version, null);
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        assertThat(broker.broker().metrics().connectionsRefused.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("allow-anonymous: true on a listener off the loopback lets anonymous clients in")
    void anonymousClientsAllowedWhenSaidSo() throws Exception {
        broker.restart(b -> b.set(LISTENERS, List.of(new ListenerConfig("open", ListenerConfig.Transport.TCP, "0.0.0.0",
                0, null, true, 0, null))));
        assertThat(connect(MqttVersion.MQTT_5, null).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("Two listeners: the loopback one lets anonymous clients in, the one on every interface does not")
    void eachListenerHasItsOwnDefault() throws Exception {
        broker.restart(b -> b.set(LISTENERS, List.of(ListenerConfig.tcp("local", "127.0.0.1", 0),
                ListenerConfig.tcp("public", "0.0.0.0", 0))));
        assertThat(connect(MqttVersion.MQTT_5, null, broker.broker().port("local")).reasonCode())
                .isEqualTo(ReasonCode.SUCCESS);
        assertThat(connect(MqttVersion.MQTT_5, null, broker.broker().port("public")).reasonCode())
                .isEqualTo(ReasonCode.NOT_AUTHORIZED);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("Off the loopback without a password file nothing checks names: a client with a user name is refused 0x87 too")
    void claimedUserNameIsRefusedOffTheLoopbackWithoutPasswordFile(MqttVersion version) throws Exception {
        broker.restart(b -> b.set(HOST, "0.0.0.0"));
        assertThat(connect(version, "alice").reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
    }

    @Test
    @DisplayName("Off the loopback with a password file, a user with the right password gets in, anonymous clients do not")
    void passwordFileLetsUsersInOffTheLoopback(@TempDir Path dir) throws Exception {
        Path passwd = SecuredBroker.writePasswords(dir);
        broker.restart(b -> b.set(HOST, "0.0.0.0").set(PASSWORD_FILE, passwd));
        try (RawClient client = new RawClient(broker.port())) {
            assertThat(SecuredBroker.connAck(client, MqttVersion.MQTT_5, "alice-net", "alice", "alice-pw", null)
                    .reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
        assertThat(connect(MqttVersion.MQTT_5, null).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
    }

    private ConnAck connect(MqttVersion version, String username) throws Exception {
        return connect(version, username, broker.port());
    }

    private static ConnAck connect(MqttVersion version, String username, int port) throws Exception {
        try (RawClient client = new RawClient(port)) {
            client.version(version);
            client.send(new Connect(version, "anon-" + version, true, 0, username, null, null, MqttProperties.EMPTY));
            return client.receive(ConnAck.class);
        }
    }
}
