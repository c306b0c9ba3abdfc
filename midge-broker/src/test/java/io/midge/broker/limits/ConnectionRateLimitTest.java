package io.midge.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.RawClient;
import io.midge.codec.MqttVersion;
import io.midge.codec.ReasonCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max-connection-rate: new connections per second from one address; the rest closed at accept, and counted. */
class ConnectionRateLimitTest {
    private static final int RATE = 5;
    /** CONNECT of a 3.1.1 client "rate", clean session, no keep-alive. */
    private static final byte[] CONNECT = HexFormat.of().parseHex("101000044d51545404020000000472617465");

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.maxConnectionRate(RATE));

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
    }

    /** Whether the broker answers this connection's CONNECT (else it closed the connection unanswered). */
    private static boolean answered(RawClient client, String clientId) {
        try {
            return Raw.connAck(client, MqttVersion.MQTT_3_1_1, clientId).reasonCode() == ReasonCode.SUCCESS;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }

    @Test
    @DisplayName("20 connections at once from one address: about RATE per second get in, the rest are closed before "
            + "CONNECT and each is counted")
    void connectionsBeyondTheRateAreClosedAtAccept() throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            clients.add(new RawClient(broker.port()));
        }
        int admitted = 0;
        for (int i = 0; i < clients.size(); i++) {
            if (answered(clients.get(i), "rate-" + i)) {
                admitted++;
            }
        }
        // Every decision was taken between start and now: at most the burst plus what came back meanwhile.
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;
        int refused = 20 - admitted;
        assertThat(admitted).isGreaterThanOrEqualTo(RATE)
                .isLessThanOrEqualTo(RATE + 1 + (int) (elapsedSeconds * RATE));
        assertThat(refused).isPositive();
        await().until(() -> broker.broker().metrics().refusedConnectionRate.sum() == refused);
        assertThat(broker.broker().metrics().connectionsAccepted.sum()).isEqualTo(admitted);
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isZero();
    }

    @Test
    @DisplayName("A refused connection is closed without a byte, even one that sent CONNECT")
    void aRefusedConnectionGetsNoAnswer() throws Exception {
        for (int i = 0; i < RATE; i++) {
            RawClient c = new RawClient(broker.port());
            clients.add(c);
        }
        await().until(() -> broker.broker().metrics().connectionsAccepted.sum() == RATE);
        RawClient late = new RawClient(broker.port());
        clients.add(late);
        assertThat(late.awaitClose()).isEmpty();
        assertThat(broker.broker().metrics().refusedConnectionRate.sum()).isEqualTo(1);
    }

    @Test
    @DisplayName("Each address has its own rate: 127.0.0.2 gets in while 127.0.0.1 is over its rate")
    void anotherAddressIsNotHeldBack() throws Exception {
        for (int i = 0; i < RATE + 3; i++) {
            clients.add(new RawClient(broker.port()));
        }
        await().until(() -> broker.broker().metrics().refusedConnectionRate.sum() >= 3);
        Socket other;
        try {
            other = new Socket(InetAddress.getLoopbackAddress(), broker.port(), InetAddress.getByName("127.0.0.2"), 0);
        } catch (IOException e) {
            Assumptions.abort("127.0.0.2 is not a loopback address here: " + e);
            return;
        }
        try (other) {
            other.setSoTimeout(5000);
            other.getOutputStream().write(CONNECT);
            InputStream in = other.getInputStream();
            byte[] connAck = in.readNBytes(4);
            assertThat(HexFormat.of().formatHex(connAck)).isEqualTo("20020000");
        }
    }
}
