package io.midge.broker.mqtt5;

import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
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
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Enhanced authentication (MQTT 5.0 section 4.12) through {@link io.midge.broker.security.EnhancedAuthenticator},
 * with the toy method of {@link ReversedNonceAuthenticator}: the broker challenges with a nonce in AUTH 0x18, the
 * client answers with it reversed.
 */
class EnhancedAuthenticationTest {
    private static final String METHOD = ReversedNonceAuthenticator.METHOD;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension()
            .withEnhancedAuthenticators(List.of(new ReversedNonceAuthenticator()));

    private static Connect connectWith(String clientId, MqttProperties props) {
        return RawV5.connectPacket(clientId, true, props);
    }

    private static Auth auth(ReasonCode code, String method, Binary data) {
        MqttProperties.Builder b = MqttProperties.builder().add(PropertyId.AUTHENTICATION_METHOD, method);
        if (data != null) {
            b.add(PropertyId.AUTHENTICATION_DATA, data);
        }
        return new Auth(code, b.build());
    }

    /** Sends CONNECT with the method and returns the challenge the broker answers with. */
    private static Auth challengeOnConnect(RawClient client, String clientId) throws Exception {
        client.version(MqttVersion.MQTT_5)
                .send(connectWith(clientId, props(PropertyId.AUTHENTICATION_METHOD, METHOD)));
        Auth challenge = client.receive(Auth.class);
        assertThat(challenge.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
        assertThat(challenge.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo(METHOD);
        assertThat(challenge.properties().binary(PropertyId.AUTHENTICATION_DATA)).isNotNull();
        return challenge;
    }

    private static Binary nonce(Auth challenge) {
        return challenge.properties().binary(PropertyId.AUTHENTICATION_DATA);
    }

    /** A client authenticated with the toy method. */
    private static RawClient authenticated(int port, String clientId) throws Exception {
        RawClient client = new RawClient(port);
        Auth challenge = challengeOnConnect(client, clientId);
        client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD,
                ReversedNonceAuthenticator.answer(nonce(challenge))));
        assertThat(client.receive(ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        return client;
    }

    // ------------------------------------------------------------------ at CONNECT

    @Test
    @DisplayName("MQTT-4.12.0-2/5: challenge in AUTH 0x18, right answer: CONNACK 0x00 with the Authentication "
            + "Method and the server's final data")
    void theRightAnswerConnects() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Auth challenge = challengeOnConnect(client, "ea-1");
            client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD,
                    ReversedNonceAuthenticator.answer(nonce(challenge))));

            ConnAck connAck = client.receive(ConnAck.class);
            assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(connAck.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo(METHOD);
            assertThat(connAck.properties().binary(PropertyId.AUTHENTICATION_DATA))
                    .isEqualTo(ReversedNonceAuthenticator.WELCOME);

            // And the connection works like any other.
            RawV5.subscribe(client, "ea/1", 0);
            client.send(publish("ea/1", 0, 0, MqttProperties.EMPTY, "authenticated"));
            assertThat(text(client.receive(Publish.class))).isEqualTo("authenticated");
        }
    }

    @Test
    @DisplayName("MQTT-4.12.0-4: a wrong answer gets CONNACK 0x87 and the connection is closed")
    void aWrongAnswerIsRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Auth challenge = challengeOnConnect(client, "ea-2");
            client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD, nonce(challenge))); // not reversed
            List<MqttPacket> before = client.awaitClose();
            assertThat(before).hasSize(1).first().isInstanceOf(ConnAck.class);
            assertThat(((ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.0-1: an unsupported Authentication Method gets CONNACK 0x8C and the connection is closed")
    void anUnknownMethodIsRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.version(MqttVersion.MQTT_5)
                    .send(connectWith("ea-3", props(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-512")));
            List<MqttPacket> before = client.awaitClose();
            assertThat(before).hasSize(1).first().isInstanceOf(ConnAck.class);
            assertThat(((ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.0-5: an AUTH with another method during the exchange is refused (CONNACK 0x82)")
    void anAuthWithAnotherMethodIsRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Auth challenge = challengeOnConnect(client, "ea-4");
            client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, "OTHER",
                    ReversedNonceAuthenticator.answer(nonce(challenge))));
            List<MqttPacket> before = client.awaitClose();
            assertThat(before).hasSize(1).first().isInstanceOf(ConnAck.class);
            assertThat(((ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-30: a PUBLISH before the exchange ends is refused (CONNACK 0x82), nothing delivered")
    void aPublishDuringTheExchangeIsRefused() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "ea-5-sub");
             RawClient client = new RawClient(broker.port())) {
            RawV5.subscribe(sub, "ea/5", 0);
            challengeOnConnect(client, "ea-5");
            client.send(publish("ea/5", 0, 0, MqttProperties.EMPTY, "too early"));
            List<MqttPacket> before = client.awaitClose();
            assertThat(before).hasSize(1).first().isInstanceOf(ConnAck.class);
            assertThat(((ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
            assertThat(sub.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("MQTT-4.12.0-7: AUTH from a client that connected without a method is a protocol error")
    void authWithoutEnhancedAuthenticationIsAProtocolError() throws Exception {
        try (RawClient client = RawV5.connect(broker.port(), "ea-6")) {
            client.send(auth(ReasonCode.REAUTHENTICATE, METHOD, null));
            assertThat(RawV5.awaitDisconnect(client).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    // ------------------------------------------------------------------ re-authentication

    @Test
    @DisplayName("MQTT-4.12.1-1: re-authentication with AUTH 0x19 runs the exchange again and ends with AUTH 0x00")
    void reauthenticationSucceeds() throws Exception {
        try (RawClient client = authenticated(broker.port(), "ea-7")) {
            for (int round = 1; round <= 2; round++) {
                client.send(auth(ReasonCode.REAUTHENTICATE, METHOD, null));
                Auth challenge = client.receive(Auth.class);
                assertThat(challenge.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
                assertThat(challenge.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo(METHOD);
                // Other packets keep flowing during re-authentication (section 4.12.1).
                client.send(PingReq.INSTANCE);
                assertThat(client.receive()).isInstanceOf(PingResp.class);
                client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD,
                        ReversedNonceAuthenticator.answer(nonce(challenge))));

                Auth done = client.receive(Auth.class);
                assertThat(done.reasonCode()).as("round %d", round).isEqualTo(ReasonCode.SUCCESS);
                assertThat(done.properties().string(PropertyId.AUTHENTICATION_METHOD)).isEqualTo(METHOD);
            }
            client.send(PingReq.INSTANCE);
            assertThat(client.receive()).isInstanceOf(PingResp.class);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.1-2: a failed re-authentication gets DISCONNECT 0x87")
    void aFailedReauthenticationDisconnects() throws Exception {
        try (RawClient client = authenticated(broker.port(), "ea-8")) {
            client.send(auth(ReasonCode.REAUTHENTICATE, METHOD, null));
            Auth challenge = client.receive(Auth.class);
            client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD, nonce(challenge)));
            assertThat(RawV5.awaitDisconnect(client).reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.1-1: re-authentication with another method gets DISCONNECT 0x82")
    void reauthenticationWithAnotherMethodIsAProtocolError() throws Exception {
        try (RawClient client = authenticated(broker.port(), "ea-9")) {
            client.send(auth(ReasonCode.REAUTHENTICATE, "OTHER", null));
            assertThat(RawV5.awaitDisconnect(client).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("§4.12.1: an AUTH 0x18 with no re-authentication in progress is a protocol error")
    void aContinueWithoutAnExchangeIsAProtocolError() throws Exception {
        try (RawClient client = authenticated(broker.port(), "ea-10")) {
            client.send(auth(ReasonCode.CONTINUE_AUTHENTICATION, METHOD, Binary.utf8("out of the blue")));
            assertThat(RawV5.awaitDisconnect(client).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    // ------------------------------------------------------------------ a real client

    @Test
    @DisplayName("§4.12: the HiveMQ client's enhanced auth mechanism connects and re-authenticates")
    void hiveMqAuthenticatesAndReauthenticates() throws Exception {
        ReversingMechanism mechanism = new ReversingMechanism(true);
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("ea-hive")
                .serverHost("127.0.0.1").serverPort(broker.port()).enhancedAuth(mechanism).buildBlocking();
        Mqtt5ConnAck connAck = client.connect();
        try {
            assertThat(connAck.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(connAck.getEnhancedAuth().orElseThrow().getMethod().toString()).isEqualTo(METHOD);
            assertThat(mechanism.challenges.get()).isEqualTo(1);

            client.toAsync().reauth().get(5, TimeUnit.SECONDS);
            assertThat(mechanism.challenges.get()).isEqualTo(2);
            assertThat(mechanism.reauthenticated.get()).isEqualTo(1);
            assertThat(client.getState().isConnected()).isTrue();
        } finally {
            client.disconnect();
        }
    }

    @Test
    @DisplayName("§4.12: the HiveMQ client with a wrong answer is refused with 0x87")
    void hiveMqWithAWrongAnswerIsRefused() {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("ea-hive-wrong")
                .serverHost("127.0.0.1").serverPort(broker.port()).enhancedAuth(new ReversingMechanism(false))
                .buildBlocking();
        Throwable refused = catchThrowable(client::connect);
        assertThat(refused).isInstanceOf(Mqtt5ConnAckException.class);
        assertThat(((Mqtt5ConnAckException) refused).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    }

    /** The client side of the toy method for the HiveMQ client; {@code honest} false answers the nonce as is. */
    private static final class ReversingMechanism implements Mqtt5EnhancedAuthMechanism {
        final boolean honest;
        final AtomicInteger challenges = new AtomicInteger();
        final AtomicInteger reauthenticated = new AtomicInteger();

        ReversingMechanism(boolean honest) {
            this.honest = honest;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(METHOD);
        }

        @Override
        public int getTimeout() {
            return 5;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect,
                                              Mqtt5EnhancedAuthBuilder builder) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder builder) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth,
                                                     Mqtt5AuthBuilder builder) {
            challenges.incrementAndGet();
            ByteBuffer data = auth.getData().orElseThrow();
            String nonce = StandardCharsets.UTF_8.decode(data).toString();
            String reply = honest ? new StringBuilder(nonce).reverse().toString() : nonce;
            builder.data(reply.getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            reauthenticated.incrementAndGet();
            return CompletableFuture.completedFuture(true);
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
