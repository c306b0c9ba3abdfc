package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The $SYS figures are read under the ACL like any topic: only users it lets read them get them. */
class SysAclTest {
    @TempDir
    Path dir;
    private SecuredBroker broker;

    @BeforeEach
    void start() throws Exception {
        // bob's "#" grants nothing under $SYS: a first-level wildcard does not match $ topics, in the ACL as in MQTT.
        Path acl = SecuredBroker.write(dir.resolve("acl"), "user alice", "topic read $SYS/#", "user bob",
                "topic readwrite #");
        Path passwords = SecuredBroker.writePasswords(dir);
        broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords).set(ACL_FILE, acl).set(SYS_INTERVAL, 1));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    @DisplayName("A user the ACL lets read $SYS/# gets the figures; one it does not is refused SUBACK 0x87, even "
            + "for one figure")
    void aclDecidesWhoReadsSys() throws Exception {
        try (RawClient alice = broker.connect(MqttVersion.MQTT_5, "sys-alice", "alice", "alice-pw");
             RawClient bob = broker.connect(MqttVersion.MQTT_5, "sys-bob", "bob", "bob-pw")) {
            alice.send(new Subscribe(1, List.of(new Subscription("$SYS/#", 0)), MqttProperties.EMPTY));
            assertThat(alice.receive(SubAck.class).reasonCodes()).containsExactly(ReasonCode.of(PacketType.SUBACK, 0));
            Publish figure = alice.receive(Publish.class);
            assertThat(figure.topic()).startsWith("$SYS/broker/");
            figure.release();

            bob.send(new Subscribe(2, List.of(new Subscription("$SYS/#", 0),
                    new Subscription("$SYS/broker/uptime", 0), new Subscription("#", 0)), MqttProperties.EMPTY));
            assertThat(bob.receive(SubAck.class).reasonCodes()).containsExactly(ReasonCode.NOT_AUTHORIZED,
                    ReasonCode.NOT_AUTHORIZED, ReasonCode.of(PacketType.SUBACK, 0));
            assertThat(broker.broker.metrics().subscriptionsDenied.sum()).isEqualTo(2);
        }
    }
}
