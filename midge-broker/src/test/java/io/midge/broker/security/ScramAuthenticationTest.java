package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as MQTT 5 enhanced authentication against the password file's users: with the
 * HiveMQ client and a SCRAM client written from the RFC, and with exact AUTH packets.
 */
class ScramAuthenticationTest {
    private static final String METHOD = "SCRAM-SHA-256";
    @TempDir
    Path dir;
    private SecuredBroker broker;

    @BeforeEach
    void start() throws Exception {
        Path passwords = SecuredBroker.writePasswords(dir);
        Path acl = SecuredBroker.write(dir.resolve("acl"), "user alice", "topic readwrite home/#");
        // Anonymous clients refused: only SCRAM or a password gets anyone in.
        broker = SecuredBroker.start(b -> b.set(LISTENERS, SecuredBroker.listener(false)).set(PASSWORD_FILE, passwords)
                .set(ACL_FILE, acl));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static MqttProperties authProps(String data) {
        return MqttProperties.builder().add(PropertyId.AUTHENTICATION_METHOD, METHOD)
                .add(PropertyId.AUTHENTICATION_DATA, Binary.utf8(data)).build();
    }

    private static String data(MqttProperties props) {
        return props.binary(PropertyId.AUTHENTICATION_DATA).toUtf8();
    }

    /** Runs the exchange over raw packets up to the broker's answer to the client-final-message. */
    private static ConnAck exchange(RawClient client, String clientId, String connectUser, ScramClient scram,
                                    String[] serverFirstOut) throws Exception {
        client.version(MqttVersion.MQTT_5).send(new Connect(MqttVersion.MQTT_5, clientId, true, 0, connectUser, null,
                null, authProps(scram.clientFirst())));
        Auth challenge = client.receive(Auth.class);
        assertThat(challenge.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
        String serverFirst = data(challenge.properties());
        if (serverFirstOut != null) {
            serverFirstOut[0] = serverFirst;
        }
        client.send(new Auth(ReasonCode.CONTINUE_AUTHENTICATION, authProps(scram.clientFinal(serverFirst))));
        return client.receive(ConnAck.class);
    }

    @Test
    @DisplayName("RFC 5802: the right password connects, and CONNACK carries a server signature the client verifies")
    void rightPasswordConnectsWithServerSignature() throws Exception {
        ScramClient scram = new ScramClient("alice", "alice-pw");
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = exchange(client, "scram-ok", null, scram, null);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(connAck.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo(METHOD);
            assertThat(scram.serverFinalIsValid(data(connAck.properties()))).isTrue();
            // The SCRAM user is the connection's user for the ACL: alice may publish to home/#.
            client.send(new Publish("home/door", 1, false, false, 1, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer(new byte[] {1})));
            assertThat(client.receive(PubAck.class).reasonCode().isError()).isFalse();
            client.send(new Publish("garden/door", 1, false, false, 2, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer(new byte[] {1})));
            assertThat(client.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    @DisplayName("A wrong password is refused with CONNACK 0x86 after the whole exchange")
    void wrongPasswordIsRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = exchange(client, "scram-wrong", null, new ScramClient("alice", "bob-pw"), null);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(broker.broker.metrics().authenticationsRefused.sum()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("Repeated SCRAM failures from one address are slowed down, as failed passwords are: the sixth "
            + "exchange within a minute is held back, then refused as usual")
    void repeatedFailuresAreThrottled() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (RawClient client = new RawClient(broker.port())) {
                assertThat(exchange(client, "scram-guess-" + i, null, new ScramClient("alice", "guess-" + i), null)
                        .reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
        }
        assertThat(broker.broker.security().scram().throttledAnswers()).isZero();
        try (RawClient client = new RawClient(broker.port())) {
            assertThat(exchange(client, "scram-guess-5", null, new ScramClient("alice", "guess-5"), null)
                    .reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
        assertThat(broker.broker.security().scram().throttledAnswers()).isEqualTo(1);
        // The same throttle guards passwords: the next password login from here waits too.
        assertThat(broker.broker.security().passwords().throttledAnswers()).isZero();
        try (RawClient client = new RawClient(broker.port())) {
            client.send(new Connect(MqttVersion.MQTT_5, "password-after", true, 0, "alice",
                    Binary.utf8("alice-pw"), null, MqttProperties.EMPTY));
            assertThat(client.receive(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
        assertThat(broker.broker.security().passwords().throttledAnswers()).isEqualTo(1);
    }

    @Test
    @DisplayName("An unknown user gets a challenge of the same shape (salt, usual iterations, the same salt each time) and 0x86")
    void unknownUserLooksLikeAKnownOne() throws Exception {
        String[] known = new String[1];
        String[] unknown = new String[1];
        String[] unknownAgain = new String[1];
        try (RawClient client = new RawClient(broker.port())) {
            exchange(client, "scram-known", null, new ScramClient("bob", "wrong"), known);
        }
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = exchange(client, "scram-unknown", null, new ScramClient("mallory", "x"), unknown);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
        try (RawClient client = new RawClient(broker.port())) {
            exchange(client, "scram-unknown-2", null, new ScramClient("mallory", "y"), unknownAgain);
        }
        assertThat(ScramClient.attribute(unknown[0], 'i')).isEqualTo(ScramClient.attribute(known[0], 'i'));
        assertThat(Base64Length.of(ScramClient.attribute(unknown[0], 's')))
                .isEqualTo(Base64Length.of(ScramClient.attribute(known[0], 's')));
        assertThat(ScramClient.attribute(unknownAgain[0], 's')).isEqualTo(ScramClient.attribute(unknown[0], 's'));
    }

    @Test
    @DisplayName("An unknown user's salt is the same after a restart, as a real user's is")
    void unknownUsersSaltSurvivesARestart() throws Exception {
        String[] before = new String[1];
        String[] after = new String[1];
        try (RawClient client = new RawClient(broker.port())) {
            exchange(client, "scram-restart-1", null, new ScramClient("mallory", "x"), before);
        }
        Path passwords = broker.broker.config().security().passwordFile();
        broker.close();
        broker = SecuredBroker.start(b -> b.set(PASSWORD_FILE, passwords));
        try (RawClient client = new RawClient(broker.port())) {
            exchange(client, "scram-restart-2", null, new ScramClient("mallory", "x"), after);
        }
        assertThat(ScramClient.attribute(after[0], 's')).isEqualTo(ScramClient.attribute(before[0], 's'));
    }

    /** Decoded length of a base64 text. */
    private static final class Base64Length {
        static int of(String text) {
            return java.util.Base64.getDecoder().decode(text).length;
        }
    }

    @Test
    @DisplayName("A CONNECT User Name other than the SCRAM user is refused with 0x86")
    void connectUserMustBeTheScramUser() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = exchange(client, "scram-other", "bob", new ScramClient("alice", "alice-pw"), null);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.1: re-authentication with AUTH 0x19 runs SCRAM again and ends with AUTH 0x00 and a server signature")
    void reauthenticationOverRawAuth() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            assertThat(exchange(client, "scram-reauth", "alice", new ScramClient("alice", "alice-pw"), null)
                    .reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            ScramClient again = new ScramClient("alice", "alice-pw");
            client.send(new Auth(ReasonCode.REAUTHENTICATE, authProps(again.clientFirst())));
            Auth challenge = client.receive(Auth.class);
            assertThat(challenge.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
            client.send(new Auth(ReasonCode.CONTINUE_AUTHENTICATION,
                    authProps(again.clientFinal(data(challenge.properties())))));
            Auth done = client.receive(Auth.class);
            assertThat(done.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(again.serverFinalIsValid(data(done.properties()))).isTrue();
        }
    }

    @Test
    @DisplayName("The HiveMQ client with a SCRAM-SHA-256 mechanism connects and re-authenticates; a wrong password gets 0x86")
    void hiveMqClient() throws Exception {
        ScramMechanism mechanism = new ScramMechanism("alice", "alice-pw");
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("scram-hive")
                .serverHost("127.0.0.1").serverPort(broker.port()).enhancedAuth(mechanism).buildBlocking();
        Mqtt5ConnAck connAck = client.connect();
        try {
            assertThat(connAck.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(mechanism.verified.get()).isEqualTo(1);
            client.toAsync().reauth().get(5, TimeUnit.SECONDS);
            assertThat(mechanism.verified.get()).isEqualTo(2);
            assertThat(client.getState().isConnected()).isTrue();
        } finally {
            client.disconnect();
        }
        Mqtt5BlockingClient wrong = MqttClient.builder().useMqttVersion5().identifier("scram-hive-wrong")
                .serverHost("127.0.0.1").serverPort(broker.port())
                .enhancedAuth(new ScramMechanism("alice", "nope")).buildBlocking();
        Throwable refused = catchThrowable(wrong::connect);
        assertThat(refused).isInstanceOf(Mqtt5ConnAckException.class);
        assertThat(((Mqtt5ConnAckException) refused).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    /** SCRAM-SHA-256 for the HiveMQ client, on {@link ScramClient}; counts verified server signatures. */
    private static final class ScramMechanism implements Mqtt5EnhancedAuthMechanism {
        final String user;
        final String password;
        final AtomicInteger verified = new AtomicInteger();
        private ScramClient scram;

        ScramMechanism(String user, String password) {
            this.user = user;
            this.password = password;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(METHOD);
        }

        @Override
        public int getTimeout() {
            return 10;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect,
                                              Mqtt5EnhancedAuthBuilder builder) {
            scram = new ScramClient(user, password);
            builder.data(scram.clientFirst().getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder builder) {
            scram = new ScramClient(user, password);
            builder.data(scram.clientFirst().getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth,
                                                     Mqtt5AuthBuilder builder) {
            try {
                builder.data(scram.clientFinal(text(auth.getData().orElseThrow())).getBytes(StandardCharsets.UTF_8));
                return CompletableFuture.completedFuture(true);
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private boolean verify(java.util.Optional<ByteBuffer> data) {
            try {
                boolean ok = data.isPresent() && scram.serverFinalIsValid(text(data.get()));
                if (ok) {
                    verified.incrementAndGet();
                }
                return ok;
            } catch (Exception e) {
                return false;
            }
        }

        private static String text(ByteBuffer data) {
            return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            return CompletableFuture.completedFuture(verify(connAck.getEnhancedAuth().flatMap(a -> a.getData())));
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            return CompletableFuture.completedFuture(verify(auth.getData()));
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }
    }
}
