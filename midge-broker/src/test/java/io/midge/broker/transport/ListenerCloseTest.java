package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Will;
import io.midge.codec.protocol.Binary;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    @DisplayName("MQTT-3.1.2-8: the will of a client still connected when the broker stops goes out as its connection "
            + "closes, before the sessions end: a persistent subscriber, offline, finds it after the restart")
    void connectionsCloseBeforeSessionsEnd(@TempDir Path dir) throws Exception {
        BrokerConfig config = BrokerConfig.builder().set(DATA_DIR, dir).set(IO_THREADS, 2).set(SYS_INTERVAL, 0)
                .set(HTTP_PORT, 0).set(HOST, "127.0.0.1").set(PORT, 0).build();
        broker = Broker.start(config);
        Connect subscriber = new Connect(MqttVersion.MQTT_3_1_1, "close-sub", false, 0, null, null, null,
                MqttProperties.EMPTY);
        try (RawClient sub = RawClient.connected(broker.port(), subscriber)) {
            sub.send(new Subscribe(1, List.of(new Subscription("close/will", 1, false, false, 0)),
                    MqttProperties.EMPTY));
            sub.receive(SubAck.class);
        }
        await().until(() -> !broker.sessions().get("close-sub").isOnline());
        RawClient client = connected(broker.port(), new Connect(MqttVersion.MQTT_3_1_1, "close-will", true, 30, null,
                null, new Will("close/will", Binary.utf8("stopped"), 1, false, MqttProperties.EMPTY),
                MqttProperties.EMPTY));
        broker.close();
        broker = null;
        client.awaitClose(Duration.ofSeconds(5));
        broker = Broker.start(config);
        try (RawClient sub = RawClient.connected(broker.port(), subscriber)) {
            Publish will = sub.receive(Publish.class);
            try {
                assertThat(will.topic()).isEqualTo("close/will");
                assertThat(will.payload().toString(StandardCharsets.UTF_8)).isEqualTo("stopped");
            } finally {
                will.release();
            }
        }
    }
}
