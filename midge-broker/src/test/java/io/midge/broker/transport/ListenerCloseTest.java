package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A broker that stops closes every client connection before its sessions end, whatever state the connection is in:
 * each event loop finds its connections in its keep-alive lists (there is no set of connections kept up at every
 * connect and close), so these must hold every open connection, keep-alive 0 and not-yet-connected ones too.
 */
class ListenerCloseTest {
    private final List<RawClient> clients = new ArrayList<>();
    private Broker broker;

    @AfterEach
    void closeAll() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static Connect connect(MqttVersion version, String id, int keepAlive) {
        return new Connect(version, id, true, keepAlive, null, null, null, MqttProperties.EMPTY);
    }

    private RawClient connected(int port, Connect connect) throws Exception {
        RawClient c = RawClient.connected(port, connect);
        clients.add(c);
        return c;
    }

    private RawClient open(int port) throws Exception {
        RawClient c = new RawClient(port);
        clients.add(c);
        return c;
    }

    @Test
    @DisplayName("Stopping the broker closes, on both listeners and both loops, connections with keep-alive 0, with a "
            + "keep-alive, and one that has not sent CONNECT yet")
    void closesEveryConnection() throws Exception {
        broker = Broker.start(BrokerConfig.builder().set(IN_MEMORY, true).set(IO_THREADS, 2).set(SYS_INTERVAL, 0)
                .set(HTTP_PORT, 0).set(LISTENERS, List.of(ListenerConfig.tcp("a", "127.0.0.1", 0),
                        ListenerConfig.tcp("b", "127.0.0.1", 0))).build());
        List<RawClient> all = new ArrayList<>();
        for (String listener : List.of("a", "b")) {
            int port = broker.port(listener);
            all.add(connected(port, connect(MqttVersion.MQTT_3_1_1, listener + "-no-keep-alive", 0)));
            all.add(connected(port, connect(MqttVersion.MQTT_5, listener + "-keep-alive", 60)));
            all.add(connected(port, connect(MqttVersion.MQTT_3_1_1, listener + "-keep-alive-311", 30)));
            all.add(open(port)); // no CONNECT: within its connect timeout
        }
        long start = System.nanoTime();
        broker.close();
        broker = null;
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        for (RawClient c : all) {
            c.awaitClose(Duration.ofSeconds(5)); // fails if the connection stays open
        }
    }
}
