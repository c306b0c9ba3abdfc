package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.Threads;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
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
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One run of the cross-node crash: a persistent subscriber on one node, a publisher on another publishing
 * continuously at one QoS, the subscriber's node killed with SIGKILL mid-stream and started again on its data
 * directory while the publisher goes on, the subscriber back with Clean Session 0. Records what the publisher's node
 * acknowledged and what the subscriber received (duplicates included) for the checks.
 */
final class CrossNodeCrash {
    private final ClusterNodes nodes;
    private final int qos;
    private final int publisherNode;
    private final int subscriberNode;
    private final String topic;
    private final String clientId;
    /** Numbers acknowledged by the publisher's node (PUBACK, or PUBREC for QoS 2), in order. */
    final List<Long> acknowledged = new CopyOnWriteArrayList<>();
    /** Numbers the subscriber received, in order, duplicates included. */
    final List<Long> received = new CopyOnWriteArrayList<>();
    private final Set<Integer> unreleased = ConcurrentHashMap.newKeySet();
    private volatile boolean probed;
    private volatile boolean stopPublisher;
    private volatile boolean stopSubscriber;

    CrossNodeCrash(ClusterNodes nodes, int qos, int publisherNode, int subscriberNode) {
        this.nodes = nodes;
        this.qos = qos;
        this.publisherNode = publisherNode;
        this.subscriberNode = subscriberNode;
        this.topic = "crash/q" + qos;
        this.clientId = "crash-sub-q" + qos;
    }

    private static Connect connect(String clientId, boolean clean) {
        return new Connect(MqttVersion.MQTT_3_1_1, clientId, clean, 0, null, null, null, MqttProperties.EMPTY);
    }

    void run() throws Exception {
        RawClient sub = new RawClient(nodes.mqttPort(subscriberNode));
        sub.connect(connect(clientId, false));
        sub.send(new Subscribe(1, List.of(new Subscription(topic + "/#", qos, false, false, 0)),
                MqttProperties.EMPTY));
        sub.receive(SubAck.class);
        Thread subscriber = Threads.start(() -> receive(sub));
        RawClient pub = new RawClient(nodes.mqttPort(publisherNode));
        pub.connect(connect("crash-pub-q" + qos, true));
        // The route reaches the publisher's node through the cluster: probe until it did.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            pub.send(new Publish(topic + "/probe", 0, false, false, 0, MqttProperties.EMPTY,
                    Unpooled.wrappedBuffer("-1".getBytes(StandardCharsets.UTF_8))));
            return probed;
        });
        Thread publisher = Threads.start(() -> publish(pub));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 300);
            nodes.kill(subscriberNode); // SIGKILL, mid-stream
            subscriber.join(10_000);
            sub.close();
            int before = acknowledged.size();
            // The publisher's node keeps acknowledging: what the dead node misses waits in its queue.
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= before + 300);
            nodes.start(subscriberNode);
            stopSubscriber = false;
            try (RawClient back = new RawClient(nodes.mqttPort(subscriberNode))) {
                assertThat(back.connect(connect(clientId, false)).sessionPresent()).isTrue();
                Thread again = Threads.start(() -> receive(back));
                int now = acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= now + 300);
                stopPublisher = true;
                publisher.join(15_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> Set.copyOf(received).containsAll(acknowledged));
                stopSubscriber = true;
                again.join(10_000);
            }
        } finally {
            stopPublisher = true;
            stopSubscriber = true;
            publisher.join(15_000);
            pub.close();
        }
    }

    private void publish(RawClient pub) {
        long n = 1;
        try {
            while (!stopPublisher) {
                int packetId = (int) (n % 65535) + 1;
                pub.send(new Publish(topic + "/data", qos, false, false, packetId, MqttProperties.EMPTY,
                        Unpooled.wrappedBuffer(Long.toString(n).getBytes(StandardCharsets.UTF_8))));
                MqttPacket ack = pub.receive(Duration.ofSeconds(10));
                if (qos == 1 && ack instanceof PubAck) {
                    acknowledged.add(n);
                } else if (qos == 2 && ack instanceof PubRec) {
                    acknowledged.add(n);
                    pub.send(new PubRel(packetId));
                    pub.receive(Duration.ofSeconds(10)); // PUBCOMP
                } else {
                    throw new AssertionError("publisher got " + ack);
                }
                n++;
            }
        } catch (IOException e) {
            throw new AssertionError("the publisher's node failed", e);
        }
    }

    /** The subscriber, with the client's half of exactly once: a QoS 2 identifier is delivered once until PUBREL. */
    private void receive(RawClient sub) {
        try {
            while (!stopSubscriber) {
                MqttPacket packet = sub.poll(Duration.ofMillis(100));
                if (packet instanceof Publish p) {
                    long n = Long.parseLong(p.payload().toString(StandardCharsets.UTF_8));
                    p.release();
                    if (p.qos() == 0) {
                        probed = true;
                    } else if (p.qos() == 1) {
                        received.add(n);
                        sub.send(new PubAck(p.packetId()));
                    } else {
                        if (unreleased.add(p.packetId())) {
                            received.add(n);
                        }
                        sub.send(new PubRec(p.packetId()));
                    }
                } else if (packet instanceof PubRel r) {
                    unreleased.remove(r.packetId());
                    sub.send(new PubComp(r.packetId()));
                } else if (packet != null && !(packet instanceof SubAck)) {
                    throw new AssertionError("unexpected " + packet);
                }
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            // The node was killed.
        }
    }

    /** How often each number was received. */
    Map<Long, Integer> deliveries() {
        Map<Long, Integer> times = new HashMap<>();
        for (long n : received) {
            times.merge(n, 1, Integer::sum);
        }
        return times;
    }

    /** The numbers received, each at its first delivery. */
    List<Long> firstDeliveries() {
        Map<Long, Boolean> seen = new HashMap<>();
        List<Long> firsts = new ArrayList<>();
        for (long n : received) {
            if (seen.put(n, true) == null) {
                firsts.add(n);
            }
        }
        return firsts;
    }

    long duplicates() {
        return received.size() - deliveries().size();
    }
}
