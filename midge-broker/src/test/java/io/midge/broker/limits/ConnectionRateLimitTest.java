package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_CONNECTION_RATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max-connection-rate: new connections per second from one address; the rest closed at accept, and counted. */
class ConnectionRateLimitTest {
    private static final int RATE = 5;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_CONNECTION_RATE, RATE));

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
            ConnAck connAck = client.connAck(TestPackets.connect(MqttVersion.MQTT_3_1_1, clientId));
            return connAck.reasonCode() == ReasonCode.SUCCESS;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }

    @Test
    @DisplayName("40 connections at once from one address: about RATE per second get in, the rest are closed "
            + "without an answer, and each is counted")
    void connectionsBeyondTheRateAreClosedAtAccept() throws Exception {
        int count = 40;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            clients.add(new RawClient(broker.port()));
        }
        int admitted = 0;
        for (int i = 0; i < count; i++) {
            RawClient client = clients.get(i);
            if (answered(client, "rate-" + i)) {
                admitted++;
            } else {
                assertThat(client.awaitClose()).as("what a refused connection was sent").isEmpty();
            }
        }
        // Every decision was taken between start and now: at most the burst plus what came back meanwhile.
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;
        int refused = count - admitted;
        assertThat(admitted).isGreaterThanOrEqualTo(RATE)
                .isLessThanOrEqualTo(RATE + 1 + (int) (elapsedSeconds * RATE));
        assertThat(refused).isPositive();
        await().until(() -> broker.broker().metrics().refusedConnectionRate.sum() == refused);
        assertThat(broker.broker().metrics().connectionsAccepted.sum()).isEqualTo(admitted);
        assertThat(broker.broker().metrics().refusedConnectionLimit.sum()).isZero();
    }

    @Test
    @DisplayName("Each address has its own rate: 127.0.0.2 gets its whole burst while 127.0.0.1 is over its rate")
    void anotherAddressIsNotHeldBack() throws Exception {
        for (int i = 0; i < 3 * RATE; i++) {
            clients.add(new RawClient(broker.port()));
        }
        await().until(() -> broker.broker().metrics().refusedConnectionRate.sum() > 0);
        InetAddress other = InetAddress.getByName("127.0.0.2");
        List<RawClient> fromOther = new ArrayList<>();
        try {
            for (int i = 0; i < RATE; i++) {
                try {
                    fromOther.add(new RawClient(broker.port(), other));
                } catch (IOException e) {
                    Assumptions.abort("127.0.0.2 is not a loopback address here: " + e);
                }
            }
            for (int i = 0; i < fromOther.size(); i++) {
                RawClient client = fromOther.get(i);
                client.sendConnect(MqttVersion.MQTT_3_1_1, "rat" + i);
                assertThat(client.read(4)).as("CONNACK").isEqualTo("20 02 00 00");
            }
        } finally {
            for (RawClient client : fromOther) {
                client.close();
            }
        }
    }
}
