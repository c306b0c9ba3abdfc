package io.midge.broker.cluster;

import io.midge.codec.packet.Connect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A publisher with a persistent session (Clean Session 0) on one node that carries on through the node's crashes,
 * one message at a time: numbered payloads 1, 2, 3, ... on its topic. When the connection breaks it connects again
 * (as often as it takes, while the node is down or refuses clients) and re-sends what was not acknowledged, PUBLISH
 * with DUP set or PUBREL, before anything new (MQTT-4.4.0-1). Records what the node acknowledged (PUBACK; PUBREC for
 * QoS 2). Every {@code retainEvery}-th number goes to the retained topic instead, with RETAIN set.
 */
final class ResendingPublisher implements Runnable {
    private static final Duration ACK_WAIT = Duration.ofSeconds(10);

    private final int port;
    private final String clientId;
    private final int qos;
    private final String topic;
    private final String retainedTopic;
    private final int retainEvery;
    /** Stream numbers acknowledged, in order (retained ones are not in it). */
    final List<Long> acknowledged = new CopyOnWriteArrayList<>();
    /** The highest retained number acknowledged. */
    final AtomicLong lastRetained = new AtomicLong();
    /** What went wrong that a crash does not explain (a session not present after a reconnect, say). */
    final List<String> errors = new CopyOnWriteArrayList<>();
    /** When the first acknowledgement after the latest reconnect came (System.nanoTime), 0 before any. */
    volatile long firstAckAfterReconnect;
    private volatile long next = 1;
    private volatile boolean stop;
    private int reconnects;
    /** The message in hand, until it is acknowledged (QoS 1) or completed (QoS 2); the publisher's thread's. */
    private Pending pending;

    ResendingPublisher(int port, String clientId, int qos, String topic, String retainedTopic, int retainEvery) {
        this.port = port;
        this.clientId = clientId;
        this.qos = qos;
        this.topic = topic;
        this.retainedTopic = retainedTopic;
        this.retainEvery = retainEvery;
    }

    /** The number the next new message will carry. */
    long next() {
        return next;
    }

    /** Stops after the message in hand is acknowledged (re-sent as often as it takes). */
    void stop() {
        stop = true;
    }

    private record Pending(long n, int packetId, boolean retain, boolean acked, boolean released) {
        /** PUBREC came and PUBREL is (about to be) sent: only PUBREL is re-sent from now on. */
        Pending releasing() {
            return new Pending(n, packetId, retain, true, true);
        }
    }

    @Override
    public void run() {
        RawClient client = null;
        boolean firstOfReconnect = false;
        while (!stop || pending != null) {
            try {
                if (client == null) {
                    client = connect();
                    if (client == null) {
                        // A reconnecting client's pause between attempts, not a wait for a condition.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                        continue;
                    }
                    firstOfReconnect = reconnects++ > 0;
                    if (pending != null) {
                        resend(client, pending);
                    }
                }
                if (pending == null) {
                    long n = next;
                    boolean retain = retainEvery > 0 && n % retainEvery == 0;
                    pending = new Pending(n, (int) (n % 65_535) + 1, retain, false, false);
                    send(client, pending, false);
                    next = n + 1;
                }
                MqttPacket ack = client.receive(ACK_WAIT);
                if (firstOfReconnect) {
                    firstAckAfterReconnect = System.nanoTime();
                    firstOfReconnect = false;
                }
                onAck(client, ack);
            } catch (IOException | AssertionError | RuntimeException e) {
                close(client); // the node died, or refused us: connect again
                client = null;
            }
        }
        close(client);
    }

    private RawClient connect() {
        RawClient c = null;
        try {
            c = new RawClient(port);
            boolean present = c.connect(new Connect(MqttVersion.MQTT_3_1_1, clientId, false, 0, null, null, null,
                    MqttProperties.EMPTY)).sessionPresent();
            if (reconnects > 0 && !present) {
                errors.add(clientId + ": no session present after reconnect " + reconnects);
            }
            return c;
        } catch (IOException | AssertionError | RuntimeException e) {
            close(c); // down, or refusing clients until it sees a majority
            return null;
        }
    }

    private void resend(RawClient client, Pending p) throws IOException {
        if (p.released()) {
            client.send(new PubRel(p.packetId()));
        } else {
            send(client, p, true);
        }
    }

    private void send(RawClient client, Pending p, boolean dup) throws IOException {
        client.send(new Publish(p.retain() ? retainedTopic : topic, qos, p.retain(), dup, p.packetId(),
                MqttProperties.EMPTY, Unpooled.wrappedBuffer(Long.toString(p.n()).getBytes(StandardCharsets.UTF_8))));
    }

    /** Moves the message in hand on; its state changes before anything is sent, so a crash meanwhile re-sends right. */
    private void onAck(RawClient client, MqttPacket ack) throws IOException {
        Pending p = pending;
        if (qos == 1 && ack instanceof PubAck a && a.packetId() == p.packetId()) {
            record(p);
            pending = null;
        } else if (qos == 2 && ack instanceof PubRec r && r.packetId() == p.packetId()) {
            if (!p.acked()) {
                record(p); // once, though a re-sent PUBLISH is answered with PUBREC again
            }
            pending = p.releasing();
            client.send(new PubRel(p.packetId()));
        } else if (qos == 2 && ack instanceof PubComp c && c.packetId() == p.packetId() && p.released()) {
            pending = null;
        } else {
            errors.add(clientId + " got " + ack + " for " + p);
            throw new AssertionError(errors.get(errors.size() - 1));
        }
    }

    private void record(Pending p) {
        if (p.retain()) {
            lastRetained.accumulateAndGet(p.n(), Math::max);
        } else {
            acknowledged.add(p.n());
        }
    }

    private static void close(RawClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing a dead connection
            }
        }
    }
}
