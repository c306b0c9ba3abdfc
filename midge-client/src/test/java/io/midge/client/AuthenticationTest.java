package io.midge.client;

import io.midge.broker.security.Authenticator;
import io.midge.client.testing.MidgeBroker;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.midge.client.testing.Failures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

/** Refused connections with their reason codes, and MQTT 5.0 enhanced authentication against Midge. */
class AuthenticationTest {

    /** The broker's side: sends a nonce and wants it back reversed. */
    static final class ReversedNonce implements io.midge.broker.security.EnhancedAuthenticator {
        final AtomicInteger exchanges = new AtomicInteger();

        @Override
        public String method() {
            return "REVERSED-NONCE";
        }

        @Override
        public Exchange begin(String clientId, String username) {
            exchanges.incrementAndGet();
            String nonce = "nonce-" + exchanges.get();
            return new Exchange() {
                boolean challenged;

                @Override
                public Step respond(Binary clientData) {
                    if (!challenged) {
                        challenged = true;
                        return new Step.Continue(Binary.utf8(nonce));
                    }
                    String expected = new StringBuilder(nonce).reverse().toString();
                    return clientData != null && clientData.toUtf8().equals(expected)
                            ? new Step.Success(Binary.utf8("welcome"))
                            : new Step.Failure(ReasonCode.NOT_AUTHORIZED);
                }
            };
        }
    }

    /** The client's side; {@code honest} false answers wrongly. */
    static final class Reverser implements EnhancedAuthenticator {
        final boolean honest;
        volatile String welcome;

        Reverser(boolean honest) {
            this.honest = honest;
        }

        @Override
        public String method() {
            return "REVERSED-NONCE";
        }

        @Override
        public byte[] initialData() {
            return "hello".getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] challenge(byte[] serverData) {
            String nonce = new String(serverData, StandardCharsets.UTF_8);
            return (honest ? new StringBuilder(nonce).reverse().toString() : nonce).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void succeeded(byte[] serverData) {
            welcome = serverData == null ? null : new String(serverData, StandardCharsets.UTF_8);
        }
    }

    @Test
    void enhancedAuthenticationAnswersTheChallengeConnectsAndReauthenticates() {
        ReversedNonce server = new ReversedNonce();
        Reverser client = new Reverser(true);
        try (MidgeBroker broker = MidgeBroker.start(c -> c, Authenticator.ALLOW_ALL, List.of(server));
             MidgeClient c = MidgeClient.builder().port(broker.port()).enhancedAuthentication(client).build()) {
            c.connect().join();
            assertThat(client.welcome).isEqualTo("welcome");

            c.reauthenticate().join();
            assertThat(server.exchanges).hasValue(2);
            assertThat(c.publish(OutgoingMessage.of("after/reauth", "x", 1)).join().reasonCode().isError())
                    .isFalse();
        }
    }

    @Test
    void aWrongAnswerFailsTheConnectionWithTheBrokersReasonCode() {
        try (MidgeBroker broker = MidgeBroker.start(c -> c, Authenticator.ALLOW_ALL, List.of(new ReversedNonce()));
             MidgeClient c = MidgeClient.builder().port(broker.port()).enhancedAuthentication(new Reverser(false))
                     .build()) {
            MqttClientException failure = failureOf(c.connect());
            assertThat(failure.kind()).isEqualTo(MqttClientException.Kind.CONNECT_REFUSED);
            assertThat(failure.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void badCredentialsFailConnectWithTheReasonCodeAndNoRetry(MqttVersion version) {
        Authenticator onlyAlice = (clientId, username, password, remote) -> CompletableFuture.completedFuture(
                "alice".equals(username) && password != null && password.toUtf8().equals("secret")
                        ? ReasonCode.SUCCESS : ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        try (MidgeBroker broker = MidgeBroker.start(c -> c, onlyAlice, List.of());
             MidgeClient wrong = MidgeClient.builder().port(broker.port()).version(version)
                     .credentials("alice", "guess").build();
             MidgeClient right = MidgeClient.builder().port(broker.port()).version(version)
                     .credentials("alice", "secret").build()) {
            CompletableFuture<PublishResult> waiting = wrong.publish(OutgoingMessage.of("t", "x", 1));
            MqttClientException failure = failureOf(wrong.connect());
            assertThat(failure.kind()).isEqualTo(MqttClientException.Kind.CONNECT_REFUSED);
            assertThat(failure.reasonCode()).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            // a refusal is not retried: what waited fails with it
            assertThat(failureOf(waiting)).isSameAs(failure);

            assertThat(right.connect().join().sessionPresent()).isFalse();
        }
    }
}
