package io.midge.broker.bridge;

import static io.midge.broker.bridge.BridgeTest.awaitConnected;
import static io.midge.broker.bridge.BridgeTest.status;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.midge.broker.Broker;
import io.midge.broker.config.BridgeConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig.CertificateUsername;
import io.midge.broker.config.TlsConfig.ClientAuth;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import io.midge.codec.protocol.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Bridges over TLS with client certificates and over WebSocket, and a remote that refuses the bridge's password. */
class BridgeSecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates stranger;
    static TestCertificates.Pem server;
    static TestCertificates.Pem home;
    static TestCertificates.Pem mallory;

    @RegisterExtension
    final Brokers brokers = new Brokers();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Logger bridgeLogger;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "bridge-ca");
        stranger = TestCertificates.authority(dir, "stranger");
        server = ca.server("server");
        home = ca.client("home", "home");
        mallory = stranger.client("mallory", "home");
    }

    @AfterEach
    void releaseLog() {
        if (bridgeLogger != null) {
            bridgeLogger.detachAppender(log);
            bridgeLogger.setLevel(null);
        }
    }

    @Test
    @DisplayName("TLS with a client certificate the remote requires: messages cross; a certificate of another "
            + "authority is refused, and the bridge says why")
    void tlsWithClientCertificate() throws Exception {
        Broker remote = brokers.start(0, null, List.of(), b -> b.set(LISTENERS, List.of(Listeners.tcp("plain"),
                Listeners.tls("mtls", Listeners.clientAuthTls(server, ca, ClientAuth.REQUIRED,
                        CertificateUsername.NONE)))));
        int port = remote.port("mtls");
        Broker local = brokers.start(0, null, List.of(
                BridgeSpec.to("good", port).transport(ListenerConfig.Transport.TLS,
                        new BridgeConfig.Tls(ca.caFile(), home.cert(), home.key(), true)).out("t/#", 1).build(),
                BridgeSpec.to("bad", port).clientId("bridge-bad").transport(ListenerConfig.Transport.TLS,
                        new BridgeConfig.Tls(ca.caFile(), mallory.cert(), mallory.key(), true)).out("t/#", 1)
                        .build()));
        awaitConnected(local, "good");
        try (Subscriber sub = Subscriber.connect("tcp://127.0.0.1:" + remote.port("plain"), "sub")
                .subscribe("t/#", 1);
             Subscriber pub = Subscriber.connect(Brokers.uri(local), "pub")) {
            pub.publish("t/1", "over-tls", 1);
            await().atMost(WAIT).until(() -> sub.received().equals(List.of("t/1 over-tls")));
        }
        await().atMost(WAIT).until(() -> status(local, "bad").lastError() != null);
        assertThat(status(local, "bad").connected()).isFalse();
    }

    @Test
    @DisplayName("WebSocket: the bridge speaks MQTT over ws:// to the remote's WebSocket listener")
    void webSocket() throws Exception {
        Broker remote = brokers.start(0, null, List.of(), b -> b.set(LISTENERS, List.of(Listeners.tcp("plain"),
                Listeners.ws("ws", "/mqtt"))));
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("w", remote.port("ws"))
                .transport(ListenerConfig.Transport.WS, null).out("w/#", 1).in("back/#", 1).build()));
        awaitConnected(local, "w");
        try (Subscriber remoteSub = Subscriber.connect("tcp://127.0.0.1:" + remote.port("plain"), "rs")
                .subscribe("w/#", 1);
             Subscriber localSub = Subscriber.connect(Brokers.uri(local), "ls").subscribe("back/#", 1)) {
            BridgeTest.awaitSubscribedRemotely(remote);
            localSub.publish("w/a", "ws-out", 1);
            remoteSub.publish("back/a", "ws-in", 1);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(remoteSub.received()).containsExactly("w/a ws-out");
                assertThat(localSub.received()).containsExactly("back/a ws-in");
            });
        }
    }

    @Test
    @DisplayName("A wrong password: the remote's refusal (0x86) is logged once, not at every retry, and shown as "
            + "the bridge's last error")
    void wrongPasswordLoggedOnce() throws Exception {
        bridgeLogger = (Logger) LoggerFactory.getLogger(Bridge.class);
        bridgeLogger.setLevel(Level.DEBUG);
        log.start();
        bridgeLogger.addAppender(log);
        Broker remote = brokers.start(0, null, List.of(), b -> b, (clientId, username, password, address) ->
                CompletableFuture.completedFuture("home".equals(username) && password != null
                        && "right".equals(new String(password.toByteArray(), StandardCharsets.UTF_8))
                        ? ReasonCode.SUCCESS : ReasonCode.BAD_USER_NAME_OR_PASSWORD));
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("p", remote.port()).login("home", "wrong")
                .out("t/#", 1).build()));
        await().atMost(WAIT).until(() -> refusals(Level.DEBUG) + refusals(Level.WARN) >= 3);
        assertThat(refusals(Level.WARN)).isEqualTo(1);
        assertThat(status(local, "p").lastError()).contains("BAD_USER_NAME_OR_PASSWORD");
        assertThat(status(local, "p").connected()).isFalse();
    }

    private long refusals(Level level) {
        synchronized (log.list) {
            return log.list.stream().filter(e -> e.getLevel() == level
                    && e.getFormattedMessage().contains("BAD_USER_NAME_OR_PASSWORD")).count();
        }
    }
}
