package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The client's publishes, from {@link #publish} to the end of their flow: waiting in the offline buffer for a
 * connection and for the broker's Receive Maximum, then in flight until PUBACK (QoS 1) or PUBREC and PUBCOMP (QoS 2),
 * resent when a session resumes and sent anew when it does not. Confined to the client's event loop, except
 * {@link #publish}, which any thread may call.
 */
final class PublishFlow {
    private static final System.Logger LOG = System.getLogger(PublishFlow.class.getName());

    private final OfflineBuffer buffer;
    private final EventLoop loop;
    private final InflightTracker<Object> inflight;
    private final Supplier<ClientConnection> connection;

    private final ConcurrentLinkedQueue<OutgoingPublish> submissions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Publishes submitted and not yet written, counted against the buffer's capacity from any thread. */
    private final AtomicInteger waiting = new AtomicInteger();

    private final ArrayDeque<OutgoingPublish> pending = new ArrayDeque<>();
    private int inflightPublishes;
    private int sendQuota = 65535;
    private int maximumQos = 2;

    /**
     * @param inflight   the session's packet identifiers, shared with SUBSCRIBE and UNSUBSCRIBE
     * @param connection the session's connection, null while there is none
     */
    PublishFlow(OfflineBuffer buffer, EventLoop loop, InflightTracker<Object> inflight,
                Supplier<ClientConnection> connection) {
        this.buffer = buffer;
        this.loop = loop;
        this.inflight = inflight;
        this.connection = connection;
    }

    /**
     * Takes a publish: counts it against the buffer's capacity, stores a QoS 1/2 message (a durable buffer has it on
     * disk before this returns) and queues it for the loop, which sends it batched with others submitted meanwhile.
     */
    CompletableFuture<PublishResult> publish(OutgoingMessage message) {
        if (waiting.incrementAndGet() > buffer.capacity()) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new MqttClientException(MqttClientException.Kind.BUFFER_FULL,
                    "offline buffer full: " + buffer.capacity() + " publishes wait already"));
        }
        long storeId = 0;
        if (message.qos() > 0) {
            try {
                storeId = buffer.store(message);
            } catch (IOException | RuntimeException e) {
                waiting.decrementAndGet();
                return CompletableFuture.failedFuture(new MqttClientException(MqttClientException.Kind.STORAGE,
                        "cannot store the message: " + e, e));
            }
        }
        CompletableFuture<PublishResult> future = new CompletableFuture<>();
        submissions.add(new OutgoingPublish(message, future, storeId));
        if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drainSubmissions);
        }
        return future;
    }

    /** Queues publishes a previous client left in a durable buffer, ahead of new ones (on the loop). */
    void recovered(List<OfflineBuffer.Stored> stored) {
        for (OfflineBuffer.Stored s : stored) {
            waiting.incrementAndGet();
            pending.add(new OutgoingPublish(s.message(), null, s.id()));
        }
    }

    private void drainSubmissions() {
        drainScheduled.set(false);
        OutgoingPublish p;
        while ((p = submissions.poll()) != null) {
            pending.add(p);
        }
        ClientConnection conn = connection.get();
        if (conn != null) {
            pump(conn);
        }
    }

    /** Sends waiting publishes while the connection is writable and the broker's Receive Maximum allows. */
    void pump(ClientConnection conn) {
        if (conn != connection.get() || !conn.isConnected()) {
            return;
        }
        boolean wrote = false;
        while (!pending.isEmpty() && conn.isWritable()) {
            OutgoingPublish p = pending.peek();
            int qos = p.message.qos();
            if (qos > 0 && (inflightPublishes >= sendQuota || inflight.full())) {
                break;
            }
            pending.poll();
            waiting.decrementAndGet();
            if (qos > maximumQos) {
                fail(p, new MqttClientException(MqttClientException.Kind.OVER_BROKER_LIMIT, "publish to "
                        + p.message.topic() + " not sent: QoS " + qos + " is above the broker's Maximum QoS of "
                        + maximumQos), true);
                continue;
            }
            int packetId = qos == 0 ? 0 : inflight.add(p);
            if (!conn.writePublish(p.message, packetId, false)) {
                if (qos > 0) {
                    inflight.remove(packetId);
                }
                fail(p, new MqttClientException(MqttClientException.Kind.OVER_BROKER_LIMIT, "publish to "
                        + p.message.topic() + " not sent: the packet would exceed the broker's Maximum Packet Size of "
                        + conn.serverMaximumPacketSize() + " bytes"), true);
                continue;
            }
            wrote = true;
            if (qos == 0) {
                if (p.future != null) {
                    p.future.complete(PublishResult.SENT);
                }
            } else {
                inflightPublishes++;
            }
        }
        if (wrote) {
            conn.flush();
        }
    }

    /**
     * A connection is established (before it is pumped): the broker's limits apply from now. A resumed session gets
     * the publishes in flight again (DUP, or PUBREL for those the broker has received); with a new session they go
     * again from the start, ahead of those waiting, except that one the broker received already counts as done.
     */
    void connected(ClientConnection conn, ConnectResult result) {
        sendQuota = Math.max(1, result.receiveMaximum());
        maximumQos = result.maximumQos();
        if (result.sessionPresent()) {
            for (InflightTracker.Entry<Object> e : inflight.entries()) {
                if (e.value() instanceof OutgoingPublish) {
                    OutgoingPublish p = (OutgoingPublish) e.value();
                    if (p.released) {
                        conn.write(new PubRel(e.id()));
                    } else {
                        conn.writePublish(p.message, e.id(), true);
                    }
                }
            }
            return;
        }
        List<Object> lost = inflight.removeIf(e -> e instanceof OutgoingPublish);
        inflightPublishes = 0;
        for (int i = lost.size() - 1; i >= 0; i--) {
            OutgoingPublish p = (OutgoingPublish) lost.get(i);
            if (p.released) {
                // The broker had it (PUBREC) before the session was lost: it was delivered once.
                complete(p, new PublishResult(ReasonCode.SUCCESS, MqttProperties.EMPTY));
            } else {
                waiting.incrementAndGet();
                pending.addFirst(p);
            }
        }
    }

    /** No connection will come: every publish held in memory fails (a durable buffer keeps its messages). */
    void failAll(Throwable cause) {
        for (Object e : inflight.removeIf(e -> e instanceof OutgoingPublish)) {
            fail((OutgoingPublish) e, cause, false);
        }
        inflightPublishes = 0;
        OutgoingPublish p;
        while ((p = submissions.poll()) != null) {
            pending.add(p);
        }
        while ((p = pending.poll()) != null) {
            waiting.decrementAndGet();
            fail(p, cause, false);
        }
    }

    /**
     * PUBACK, PUBREC or PUBCOMP for a publish of the client. No pump here: the connection pumps once at the end of
     * the read, so a burst of acknowledgements makes one write of new publishes and one flush, not one each.
     */
    void onAck(ClientConnection conn, PublishFlowPacket ack) {
        int id = ack.packetId();
        Object entry = inflight.get(id);
        OutgoingPublish p = entry instanceof OutgoingPublish ? (OutgoingPublish) entry : null;
        switch (ack.type()) {
            case PUBACK -> {
                if (p != null && p.message.qos() == 1) {
                    done(id, p, ack);
                }
            }
            case PUBREC -> {
                if (p == null || p.message.qos() != 2) {
                    conn.write(new PubRel(id, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY));
                } else if (ack.reasonCode().isError()) {
                    done(id, p, ack);
                } else {
                    p.released = true;
                    conn.write(new PubRel(id));
                }
            }
            case PUBCOMP -> {
                if (p != null && p.released) {
                    done(id, p, ack);
                }
            }
            default -> throw new IllegalArgumentException("not an acknowledgement of a publish: " + ack.type());
        }
    }

    private void done(int id, OutgoingPublish p, PublishFlowPacket ack) {
        inflight.remove(id);
        inflightPublishes--;
        if (ack.reasonCode().isError()) {
            fail(p, new MqttClientException(MqttClientException.Kind.PUBLISH_REFUSED,
                    "publish to " + p.message.topic() + " refused", ack.reasonCode(),
                    ack.properties().string(PropertyId.REASON_STRING)), true);
        } else {
            complete(p, ack.reasonCode() == ReasonCode.SUCCESS && ack.properties().isEmpty()
                    ? PublishResult.ACKNOWLEDGED : new PublishResult(ack.reasonCode(), ack.properties()));
        }
    }

    private void complete(OutgoingPublish p, PublishResult result) {
        forget(p);
        if (p.future != null) {
            p.future.complete(result);
        }
    }

    private void fail(OutgoingPublish p, Throwable cause, boolean forget) {
        if (forget) {
            forget(p);
        }
        if (p.future != null) {
            p.future.completeExceptionally(cause);
        }
    }

    private void forget(OutgoingPublish p) {
        if (p.storeId != 0 && p.message.qos() > 0) {
            try {
                buffer.remove(p.storeId);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove an acknowledged message from the buffer", e);
            }
        }
    }
}
