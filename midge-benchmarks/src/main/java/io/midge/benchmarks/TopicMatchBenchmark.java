package io.midge.benchmarks;

import io.midge.broker.routing.Matches;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Subscriber;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matching a published topic against the topic tree, the work every PUBLISH does: a building of devices, each
 * subscribed to its own commands, monitors on wildcards over floors, and a few catch-alls. {@code exact} publishes to
 * a device's command topic (one device and the wildcards over it match); {@code telemetry} to a topic only wildcard
 * subscriptions match. Allocation-free once the {@link Matches} has grown.
 *
 * <pre>./midge-benchmarks/run.sh -f 1 -wi 3 -i 5 -w 1s -r 1s TopicMatchBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TopicMatchBenchmark {
    private static final int TOPICS = 1024;

    /** Devices, each with one subscription of its own. */
    @Param({"10000", "100000"})
    int devices;

    private final TopicTree tree = new TopicTree();
    private final Matches matches = new Matches();
    private final String[] commandTopics = new String[TOPICS];
    private final String[] telemetryTopics = new String[TOPICS];
    private int next;

    private record Client(String clientId) implements Subscriber {
        @Override
        public boolean isOnline() {
            return true;
        }

        @Override
        public boolean offer(Delivery delivery) {
            return false; // the benchmark matches only
        }
    }

    @Setup
    public void subscribe() {
        SubscriptionOptions qos1 = SubscriptionOptions.of(1);
        for (int i = 0; i < devices; i++) {
            tree.subscribe(new Client("device-" + i), "site/" + floor(i) + "/device-" + i + "/commands/#", qos1);
        }
        for (int f = 0; f < 100; f++) { // one monitor per floor, and one per floor's temperatures
            tree.subscribe(new Client("floor-" + f), "site/floor-" + f + "/+/telemetry/#", qos1);
            tree.subscribe(new Client("temperatures-" + f), "site/floor-" + f + "/+/telemetry/temperature", qos1);
        }
        tree.subscribe(new Client("archive"), "site/#", qos1);
        tree.subscribe(new Client("alarms"), "+/+/+/telemetry/alarm", qos1);
        SplittableRandom random = new SplittableRandom(42);
        for (int t = 0; t < TOPICS; t++) {
            int device = random.nextInt(devices);
            commandTopics[t] = "site/" + floor(device) + "/device-" + device + "/commands/reboot";
            telemetryTopics[t] = "site/" + floor(device) + "/device-" + device + "/telemetry/temperature";
        }
    }

    private static String floor(int device) {
        return "floor-" + device % 100;
    }

    /** A device's command topic: its own subscription, the floor's none, the archive's. */
    @Benchmark
    public int exact() {
        tree.match(commandTopics[next++ & (TOPICS - 1)], "controller", matches);
        return matches.size();
    }

    /** A telemetry topic: only wildcard subscriptions match (the floor's two and the archive). */
    @Benchmark
    public int telemetry() {
        tree.match(telemetryTopics[next++ & (TOPICS - 1)], "device", matches);
        return matches.size();
    }
}
