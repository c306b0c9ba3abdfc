package io.midge.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bridge's keep-alive towards its remote when the bridge only publishes at QoS 0: it writes all the time, so it
 * never pings for the remote's sake, and the remote answers nothing to QoS 0. It must ping anyway to tell a silent
 * remote from a dead one. Keep-alive 1 s: the bridge gives a remote up after 1.5 s without a packet from it.
 */
class BridgeKeepAliveTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Three keep-alives: twice as long as the silence after which the bridge gives a remote up. */
    private static final long STREAM_NANOS = 3_000_000_000L;
    /** The steady stream's pace: a reading every 50 ms, as a sensor would send them. */
    private static final long PACE_MILLIS = 50;
    /** How long the fake remote answers PINGREQ once the stream began. */
    private static final long ANSWERED_NANOS = 2_000_000_000L;

    @RegisterExtension
    final Brokers brokers = new Brokers();

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    @DisplayName("A bridge that only publishes at QoS 0 keeps its link past one and a half keep-alives: it pings the "
            + "silent remote, which answers (MQTT-3.12.4-1), and every message crosses")
    void aSteadyQos0StreamKeepsTheLink(int version) throws Exception {
        Broker remote = brokers.start(0, null, List.of());
        Broker local = brokers.start(0, null, List.of(BridgeSpec.to("r", remote.port()).version(version)
                .keepAlive(1).out("sensor/#", 0).build()));
        BridgeTest.awaitConnected(local, "r");
        try (Subscriber remoteSub = Subscriber.connect(Brokers.uri(remote), "rs").subscribe("sensor/#", 0);
             Subscriber sensor = Subscriber.connect(Brokers.uri(local), "sensor")) {
            long end = System.nanoTime() + STREAM_NANOS;
            int sent = stream(sensor, () -> System.nanoTime() < end);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < sent; i++) {
                expected.add("sensor/pulse r-" + i);
            }
            await().atMost(WAIT).until(() -> remoteSub.received().size() >= expected.size());
            assertThat(remoteSub.received()).containsExactlyElementsOf(expected);
            BridgeStatus status = BridgeTest.status(local, "r");
            assertThat(status.lastError()).as("the link never failed").isNull();
            assertThat(status.connected()).isTrue();
        }
    }

    @Test
    @DisplayName("A bridge publishing all the time pings between its PUBLISHes; a remote that stops answering is "
            + "given up after one and a half keep-alives, and the bridge connects again")
    void aSilentRemoteIsGivenUp() throws Exception {
        try (FakeRemote remote = new FakeRemote()) {
            Broker local = brokers.start(0, null, List.of(BridgeSpec.to("r", remote.port())
                    .keepAlive(1).out("sensor/#", 0).build()));
            ExecutorService stream = Executors.newSingleThreadExecutor();
            AtomicBoolean streaming = new AtomicBoolean(true);
            try (FakeRemote.Link link = remote.accept(false);
                 Subscriber sensor = Subscriber.connect(Brokers.uri(local), "sensor")) {
                BridgeTest.awaitConnected(local, "r");
                Future<?> publishing = stream.submit(() -> stream(sensor, streaming::get));
                // Answers PINGREQ for the stream's first two seconds (longer than the 1.5 s after which a remote
                // is given up), then falls silent.
                long firstPublish = 0;
                int answered = 0;
                int unanswered = 0;
                for (MqttPacket packet; (packet = link.nextOrClosed()) != null; ) {
                    if (packet instanceof Publish && firstPublish == 0) {
                        firstPublish = System.nanoTime();
                    } else if (packet instanceof PingReq && firstPublish != 0) {
                        if (System.nanoTime() - firstPublish < ANSWERED_NANOS) {
                            link.send(PingResp.INSTANCE);
                            answered++;
                        } else {
                            unanswered++;
                        }
                    }
                    ReferenceCountUtil.release(packet);
                }
                streaming.set(false);
                publishing.get();
                assertThat(answered).as("PINGREQs amid the PUBLISHes, answered").isGreaterThanOrEqualTo(2);
                assertThat(unanswered).as("PINGREQs once the remote fell silent").isEqualTo(1);
                await().atMost(WAIT).untilAsserted(() -> assertThat(BridgeTest.status(local, "r").lastError())
                        .isEqualTo("the remote did not answer within the keep-alive"));
            } finally {
                streaming.set(false);
                stream.shutdownNow();
            }
            try (FakeRemote.Link again = remote.accept(false)) {
                await().atMost(WAIT).until(() -> BridgeTest.status(local, "r").connected());
                assertThat(again.clientId).isEqualTo("bridge-r");
            }
        }
    }

    /** Publishes a QoS 0 reading every {@link #PACE_MILLIS} while {@code more} holds; returns how many it sent. */
    private static int stream(Subscriber sensor, BooleanSupplier more) throws Exception {
        int sent = 0;
        while (more.getAsBoolean()) {
            sensor.publish("sensor/pulse", "r-" + sent++, 0);
            Thread.sleep(PACE_MILLIS); // the load's pace, not a wait for a condition
        }
        return sent;
    }
}
