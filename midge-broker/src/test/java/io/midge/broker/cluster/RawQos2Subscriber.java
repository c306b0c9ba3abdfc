package io.midge.broker.cluster;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A QoS 2 subscriber on the raw client, which plays the client's half of exactly once itself, so that a duplicate
 * counted is the broker's: a packet identifier received is handed on once until its PUBREL, across reconnects too
 * (it is session state, MQTT-4.3.3-*), and a PUBLISH re-sent with DUP for an identifier not yet released is answered
 * with PUBREC again, not handed on.
 */
final class RawQos2Subscriber implements PersistentSubscriber, Runnable {
    /** Where it connects (again): {@link #moveTo} changes it. */
    private volatile int port;
    /** The connection now, or null. */
    private volatile RawClient current;
    private final String clientId;
    private final String filter;
    private final List<Long> received = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final Set<Integer> unreleased = ConcurrentHashMap.newKeySet();
    /** Every PUBLISH, PUBREL and connect as it came (payload, packet identifier, DUP, port), to explain a failure. */
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile boolean connected;
    private volatile boolean stop;
    private boolean subscribed;
    private Thread thread;

    RawQos2Subscriber(int port, String clientId, String filter) {
        this.port = port;
        this.clientId = clientId;
        this.filter = filter;
    }

    @Override
    public List<Long> received() {
        return received;
    }

    @Override
    public List<String> errors() {
        return errors;
    }

    /** What came, in order: one line per PUBLISH, PUBREL and connection. */
    List<String> events() {
        return events;
    }

    /**
     * The connections, and the events within {@code around} of those of the messages just before and after each of
     * {@code messages} (a message missing has no event of its own), in order.
     */
    List<String> eventsAround(List<Long> messages, int around) {
        List<String> all = List.copyOf(events);
        java.util.TreeSet<Integer> shown = new java.util.TreeSet<>();
        for (int i = 0; i < all.size(); i++) {
            String e = all.get(i);
            if (e.startsWith("connected")) {
                shown.add(i);
            }
            for (long m : messages) {
                if (e.startsWith((m - 1) + " ") || e.startsWith((m + 1) + " ")) {
                    for (int j = Math.max(0, i - around); j <= Math.min(all.size() - 1, i + around); j++) {
                        shown.add(j);
                    }
                }
            }
        }
        List<String> out = new java.util.ArrayList<>();
        int previous = -1;
        for (int i : shown) {
            if (previous >= 0 && i > previous + 1) {
                out.add("...");
            }
            out.add(all.get(i));
            previous = i;
        }
        return out;
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public void start() {
        thread = new Thread(this, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Moves to another node: the connection is closed (by the client, as a client that goes away) and the next one
     * goes to {@code newPort}, where the session follows it (Session Present expected).
     */
    void moveTo(int newPort) {
        port = newPort;
        RawClient c = current;
        if (c != null) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // closed already
            }
        }
    }

    @Override
    public void stop() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }

    @Override
    public void run() {
        while (!stop) {
            try (RawClient c = new RawClient(port)) {
                current = c;
                boolean present = c.connect(new Connect(MqttVersion.MQTT_3_1_1, clientId, false, 0, null, null, null,
                        MqttProperties.EMPTY)).sessionPresent();
                events.add("connected to " + port + ", session present " + present + ", unreleased " + unreleased);
                if (!subscribed) {
                    c.send(new Subscribe(1, List.of(new Subscription(filter, 2, false, false, 0)),
                            MqttProperties.EMPTY));
                    subscribed = true;
                } else if (!present) {
                    errors.add(clientId + ": no session present after a reconnect");
                }
                connected = true;
                receive(c, port);
            } catch (IOException | AssertionError | RuntimeException e) {
                // The node is down, was killed, or refuses clients until it sees a majority: connect again.
                connected = false;
                if (!stop) {
                    // A reconnecting client's pause between attempts, not a wait for a condition.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
            }
        }
        connected = false;
    }

    private void receive(RawClient c, int at) throws IOException {
        while (!stop) {
            MqttPacket packet = c.poll(Duration.ofMillis(100));
            if (packet instanceof Publish p) {
                long n = Long.parseLong(p.payload().toString(StandardCharsets.UTF_8));
                p.release();
                if (p.qos() != 2) {
                    errors.add(clientId + " got QoS " + p.qos() + " for " + n);
                } else if (unreleased.add(p.packetId())) {
                    received.add(n);
                    events.add(n + " id " + p.packetId() + " dup " + p.dup() + " from " + at);
                } else {
                    events.add(n + " id " + p.packetId() + " dup " + p.dup() + " from " + at + " (not released yet)");
                }
                c.send(new PubRec(p.packetId()));
            } else if (packet instanceof PubRel r) {
                unreleased.remove(r.packetId());
                events.add("PUBREL " + r.packetId());
                c.send(new PubComp(r.packetId()));
            } else if (packet != null && !(packet instanceof SubAck)) {
                errors.add(clientId + " got " + packet);
            }
        }
    }
}
