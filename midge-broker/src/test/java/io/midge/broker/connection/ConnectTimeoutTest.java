package io.midge.broker.connection;

import static io.midge.broker.config.ConfigKeys.CONNECT_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection that does not send CONNECT within the connect timeout (1 s here) is closed: it would otherwise hold
 * a socket forever (both specifications: a server SHOULD close a connection that sends no CONNECT within a
 * reasonable amount of time).
 */
class ConnectTimeoutTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(CONNECT_TIMEOUT, 1));

    @Test
    @DisplayName("A connection that sends nothing is closed after the connect timeout, without a byte")
    void silentConnectionIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            assertThat(wire.readUntilClose(Duration.ofSeconds(5))).isEmpty();
        }
    }

    @Test
    @DisplayName("A connection that sends only part of a CONNECT is closed after the connect timeout")
    void halfAConnectIsClosed() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendHex("10 0D 00 04 4D 51"); // the first bytes of a 15-byte CONNECT
            assertThat(wire.readUntilClose(Duration.ofSeconds(5))).isEmpty();
        }
    }

    @Test
    @DisplayName("A connection whose CONNECT came in time outlives the connect timeout")
    void connectedClientOutlivesTheTimeout() throws Exception {
        try (RawClient wire = new RawClient(broker.port())) {
            wire.sendConnect(MqttVersion.MQTT_3_1_1, "connect-timeout-ok");
            assertThat(wire.read(4)).isEqualTo("20 02 00 00");
            assertThat(wire.staysSilentAndOpen(Duration.ofMillis(1500))).isTrue();
            wire.sendHex("C0 00");
            assertThat(wire.read(2)).isEqualTo("D0 00");
        }
    }
}
