package io.midge.broker.bridge;

import static io.midge.broker.bridge.BridgeTest.awaitConnected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.Broker;
import io.midge.broker.testing.ChildBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a bridge's queue holds survives: the remote (a durable Midge) stopped in the middle of a QoS 1 stream and
 * started again, the pacemaker example, and the bridging broker killed with SIGKILL and started again on its data
 * directory (a child JVM).
 */
class BridgeCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final Brokers brokers = new Brokers();
    @TempDir
    Path temp;

    @Test
    @DisplayName("The pacemaker: a home Midge bridged to a hospital Midge; the monitor publishes heart rates at QoS 1, "
            + "the hospital goes away and comes back, and its subscriber gets every reading, in order")
    void pacemaker() throws Exception {
        int hospitalPort = Mosquitto.freePort();
        Path hospitalData = temp.resolve("hospital");
        Broker hospital = brokers.start(hospitalPort, hospitalData, List.of());
        Broker home = brokers.start(0, temp.resolve("home"), List.of(BridgeSpec.to("hospital", hospitalPort)
                .out("home/#", 1).in("hospital/commands/#", 1).build()));
        awaitConnected(home, "hospital");
        List<String> expected = new ArrayList<>();
        try (Subscriber doctor = Subscriber.connect("tcp://127.0.0.1:" + hospitalPort, "doctor")
                .subscribe("home/+/heart-rate", 1);
             Subscriber monitor = Subscriber.connect(Brokers.uri(home), "monitor")) {
            for (int i = 0; i < 150; i++) {
                if (i == 50) {
                    brokers.stop(hospital); // the link is cut
                }
                if (i == 100) {
                    hospital = brokers.start(hospitalPort, hospitalData, List.of()); // and restored
                }
                String reading = Integer.toString(60 + i % 40);
                monitor.publish("home/patient-1/heart-rate", i + ":" + reading, 1);
                expected.add("home/patient-1/heart-rate " + i + ":" + reading);
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(BridgeMosquittoTest.dedupe(doctor.received()))
                    .containsExactlyElementsOf(expected));
        }
    }

    @Test
    @DisplayName("The bridging broker killed with SIGKILL while its remote is down, and started again on its data "
            + "directory: every message it acknowledged reaches the remote, in order")
    void localKilled() throws Exception {
        int remotePort = Mosquitto.freePort();
        int localPort = Mosquitto.freePort();
        Path data = temp.resolve("local");
        List<String> expected = new ArrayList<>();
        ChildBroker local = startChild(data, localPort, remotePort, 1);
        try {
            try (Subscriber pub = Subscriber.connect("tcp://127.0.0.1:" + localPort, "pub")) {
                for (int i = 0; i < 100; i++) {
                    pub.publish("s/x", Integer.toString(i), 1); // returns once PUBACK came: stored
                    expected.add("s/x " + i);
                }
            }
            local.kill(); // SIGKILL
            Broker remote = brokers.start(remotePort, null, List.of());
            try (Subscriber sub = Subscriber.connect(Brokers.uri(remote), "sub").subscribe("s/#", 1)) {
                local = startChild(data, localPort, remotePort, 2);
                await().atMost(WAIT).untilAsserted(() -> assertThat(BridgeMosquittoTest.dedupe(sub.received()))
                        .containsExactlyElementsOf(expected));
            }
        } finally {
            local.kill();
        }
    }

    private ChildBroker startChild(Path data, int port, int remotePort, int round) throws IOException {
        ChildBroker child = ChildBroker.start(temp, "local-" + round, List.of("-Xmx256m"), BridgeBrokerMain.class,
                data.toString(), Integer.toString(port), Integer.toString(remotePort));
        child.port(); // listening
        return child;
    }
}
