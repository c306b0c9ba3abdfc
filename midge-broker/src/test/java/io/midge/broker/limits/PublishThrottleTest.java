package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_BANDWIDTH;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_RATE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.MosquittoClients;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * max-publish-rate and max-publish-bandwidth: a client publishing faster is slowed down (the broker stops reading
 * from it for a while), loses nothing and is not refused. Timing is asserted only as a lower bound: however slow the
 * machine, the messages cannot arrive sooner than the rate allows.
 */
class PublishThrottleTest {
    private static final int RATE = 20;
    private static final int BANDWIDTH = 10_000;
    /** Timer and clock granularity the lower bounds allow for. */
    private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_PUBLISH_RATE, RATE)
            .set(MAX_PUBLISH_BANDWIDTH, BANDWIDTH));

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
    }

    private RawClient connected(String clientId, int keepAlive) throws Exception {
        RawClient c = new RawClient(broker.port());
        clients.add(c);
        c.connect(TestPackets.connect(MqttVersion.MQTT_3_1_1, clientId, true, keepAlive));
        return c;
    }

    private RawClient subscriber(String clientId, String filter) throws Exception {
        RawClient c = connected(clientId, 0);
        c.send(new Subscribe(1, List.of(new Subscription(filter, 1)), MqttProperties.EMPTY));
        c.receive(SubAck.class);
        return c;
    }

    private long throttled() {
        return broker.broker().metrics().publishThrottled.sum();
    }

    @Test
    @DisplayName("max-publish-rate: 50 messages sent at once at 20/s all arrive, in order, and not before 29/20 s")
    void aClientOverTheMessageRateIsSlowedAndLosesNothing() throws Exception {
        RawClient sub = subscriber("pt-1-sub", "pt/1");
        RawClient pub = connected("pt-1-pub", 0);
        int count = 50;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            pub.send(TestPackets.publish("pt/1", 0, 0, new byte[] {(byte) i}));
        }
        for (int i = 0; i < count; i++) {
            Publish p = sub.receive(Publish.class);
            assertThat(ByteBufUtil.getBytes(p.payload())).containsExactly((byte) i);
        }
        long elapsed = System.nanoTime() - start;
        // The k-th message is handled once the bucket (RATE at first, RATE more per second) has a token for it.
        assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(count - 1 - RATE) / RATE - SLACK_NANOS);
        assertThat(throttled()).isPositive();
        assertThat(broker.broker().metrics().messagesReceived()).isEqualTo(count);
    }

    @Test
    @DisplayName("max-publish-bandwidth: 25 QoS 1 messages of 1000 bytes at 10000 B/s are all acknowledged and "
            + "delivered, and not before 1.4 s")
    void aClientOverTheBandwidthIsSlowedAndLosesNothing() throws Exception {
        RawClient sub = subscriber("pt-2-sub", "pt/2");
        RawClient pub = connected("pt-2-pub", 0);
        int count = 25;
        int size = 1000;
        long start = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            pub.send(TestPackets.publish("pt/2", 1, i, new byte[size]));
        }
        for (int i = 1; i <= count; i++) {
            assertThat(pub.receive(PubAck.class).packetId()).isEqualTo(i);
        }
        for (int i = 1; i <= count; i++) {
            Publish p = sub.receive(Publish.class);
            assertThat(p.payload().readableBytes()).isEqualTo(size);
            sub.send(new PubAck(p.packetId()));
        }
        long elapsed = System.nanoTime() - start;
        long bytesBeyondTheBurst = (long) (count - 1) * size - BANDWIDTH;
        assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(bytesBeyondTheBurst) / BANDWIDTH
                - SLACK_NANOS);
        assertThat(throttled()).isPositive();
    }

    @Test
    @DisplayName("mosquitto_pub sending 40 QoS 1 messages at once at 20/s: all reach a Paho subscriber, not before "
            + "19/20 s")
    void mosquittoPubIsSlowedAndLosesNothing() throws Exception {
        MqttClient sub = new MqttClient(broker.uri(), "pt-4-sub", new MemoryPersistence());
        List<String> received = new CopyOnWriteArrayList<>();
        try {
            sub.connect();
            sub.subscribe("pt/4", 1, (topic, message) -> received.add(new String(message.getPayload(), UTF_8)));
            int count = 40;
            long start = System.nanoTime();
            MosquittoClients.Result result = MosquittoClients.pub(broker.port(), "-t", "pt/4", "-q", "1", "-m",
                    "beat", "--repeat", Integer.toString(count));
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            await().until(() -> received.size() == count);
            long elapsed = System.nanoTime() - start;
            assertThat(received).containsOnly("beat");
            assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(count - 1 - RATE) / RATE
                    - SLACK_NANOS);
            assertThat(throttled()).isPositive();
        } finally {
            if (sub.isConnected()) {
                sub.disconnect();
            }
            sub.close();
        }
    }

    @Test
    @DisplayName("A client the broker stopped reading from for longer than its keep-alive is not disconnected for "
            + "the silence: its PINGREQs are answered once reading resumes")
    void aPauseLongerThanTheKeepAliveIsNotTheClientsFault() throws Exception {
        RawClient sub = subscriber("pt-3-sub", "pt/3");
        RawClient pub = connected("pt-3-pub", 1);
        pub.send(TestPackets.publish("pt/3", 0, 0, new byte[BANDWIDTH]));
        // 2.5 s of debt: the broker reads nothing from pub for longer than 1.5 times its keep-alive of 1 s.
        pub.send(TestPackets.publish("pt/3", 0, 0, new byte[BANDWIDTH * 5 / 2]));
        int pingResps = 0;
        for (int i = 0; i < 3; i++) {
            pub.send(PingReq.INSTANCE);
            // Nothing while paused (and the broker does not close the connection: poll would fail), or PINGRESPs.
            for (var p = pub.poll(Duration.ofSeconds(1)); p != null; p = pub.poll(Duration.ZERO)) {
                assertThat(p).isInstanceOf(PingResp.class);
                pingResps++;
            }
        }
        assertThat(sub.receive(Publish.class).payload().readableBytes()).isEqualTo(BANDWIDTH);
        assertThat(sub.receive(Publish.class).payload().readableBytes()).isEqualTo(BANDWIDTH * 5 / 2);
        pub.send(PingReq.INSTANCE);
        while (pingResps < 4) {
            pub.receive(PingResp.class);
            pingResps++;
        }
        assertThat(throttled()).isEqualTo(1);
    }
}
