package io.midge.client;

import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's side of the MQTT session, which outlives connections: publishes waiting to be sent, the QoS 1/2
 * publishes in flight and where each is in its flow, the QoS 2 identifiers received and not yet released, the
 * subscriptions to restore on a new session, and the delivery of incoming messages. Confined to the client's event
 * loop, except {@link #submit}, which any thread may call.
 */
final class ClientSession {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    /** A publish from its submission until its flow is complete. */
    static final class OutgoingPublish {
        final OutgoingMessage message;
        final CompletableFuture<PublishResult> future;
        final long storeId;
        boolean released;

        OutgoingPublish(OutgoingMessage message, CompletableFuture<PublishResult> future, long storeId) {
            this.message = message;
            this.future = future;
            this.storeId = storeId;
        }
    }

    /** A SUBSCRIBE or UNSUBSCRIBE waiting for its acknowledgement. */
    private record Request(CompletableFuture<Object> future, List<Subscription> subscriptions,
                           List<String> unsubscriptions) {
    }

    private final OfflineBuffer buffer;
    private final EventLoop loop;
    private final MessageStream stream;
    private volatile MessageListener listener;

    private final ConcurrentLinkedQueue<OutgoingPublish> submissions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger waiting = new AtomicInteger();

    private final ArrayDeque<OutgoingPublish> pending = new ArrayDeque<>();
    private final InflightTracker<Object> inflight = new InflightTracker<>();
    private int inflightPublishes;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final Set<Integer> qos2Received = new HashSet<>();
    private ClientConnection connection;
    private int sendQuota = 65535;
    private int maximumQos = 2;
    private CompletableFuture<Void> reauthentication;

    ClientSession(OfflineBuffer buffer, EventLoop loop) {
        this.buffer = buffer;
        this.loop = loop;
        this.stream = new MessageStream(loop, this::demandChanged);
    }

    MessageStream stream() {
        return stream;
    }

    void listener(MessageListener listener) {
        this.listener = listener;
    }

    // ---- publishing (any thread) -------------------------------------------------------------------------

    /** Counts a publish against the buffer's capacity; false when it is full. */
    boolean reserve() {
        if (waiting.incrementAndGet() > buffer.capacity()) {
            waiting.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a reservation that was not submitted. */
    void unreserve() {
        waiting.decrementAndGet();
    }

    /** Queues a reserved publish; the loop sends it, batched with others submitted meanwhile. */
    void submit(OutgoingPublish publish) {
        submissions.add(publish);
        if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drainSubmissions);
        }
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
        if (connection != null) {
            pump(connection);
        }
    }

    /** Sends waiting publishes while the connection is writable and the broker's Receive Maximum allows. */
    void pump(ClientConnection conn) {
        if (conn != connection || !conn.isConnected()) {
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
                fail(p, new MqttClientException("publish to " + p.message.topic() + " not sent: QoS " + qos
                        + " is above the broker's Maximum QoS of " + maximumQos), true);
                continue;
            }
            int packetId = qos == 0 ? 0 : inflight.add(p);
            if (!conn.writePublish(p.message, packetId, false)) {
                if (qos > 0) {
                    inflight.remove(packetId);
                }
                fail(p, new MqttClientException("publish to " + p.message.topic()
                        + " not sent: the packet would exceed the broker's Maximum Packet Size of "
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

    // ---- connection events (loop) --------------------------------------------------------------------------

    void connected(ClientConnection conn, ConnectResult result, boolean resubscribe) {
        connection = conn;
        sendQuota = Math.max(1, result.receiveMaximum());
        maximumQos = result.maximumQos();
        if (result.sessionPresent()) {
            for (InflightTracker.Entry<Object> e : inflight.entries()) {
                if (e.value() instanceof OutgoingPublish p) {
                    if (p.released) {
                        conn.write(new PubRel(e.id()));
                    } else {
                        conn.writePublish(p.message, e.id(), true);
                    }
                }
            }
        } else {
            qos2Received.clear();
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
            if (resubscribe && !subscriptions.isEmpty()) {
                CompletableFuture<Object> f = new CompletableFuture<>();
                sendSubscribe(conn, new ArrayList<>(subscriptions.values()), MqttProperties.EMPTY, f);
            }
        }
        conn.flush();
        pump(conn);
    }

    /** The connection ended: requests waiting for acknowledgements fail; publishes stay for the next one. */
    void disconnected(Throwable cause) {
        connection = null;
        for (Object e : inflight.removeIf(e -> e instanceof Request)) {
            ((Request) e).future.completeExceptionally(cause);
        }
        if (reauthentication != null) {
            reauthentication.completeExceptionally(cause);
            reauthentication = null;
        }
    }

    /** No connection will come: every publish the client holds in memory fails (a durable buffer keeps them). */
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

    // ---- acknowledgements (loop) ---------------------------------------------------------------------------

    void onAck(ClientConnection conn, PublishFlowPacket ack) {
        int id = ack.packetId();
        Object entry = inflight.get(id);
        OutgoingPublish p = entry instanceof OutgoingPublish op ? op : null;
        switch (ack) {
            case PubAck a -> {
                if (p != null && p.message.qos() == 1) {
                    inflight.remove(id);
                    inflightPublishes--;
                    finish(p, a);
                }
            }
            case PubRec r -> {
                if (p == null || p.message.qos() != 2) {
                    conn.write(new PubRel(id, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY));
                } else if (r.reasonCode().isError()) {
                    inflight.remove(id);
                    inflightPublishes--;
                    finish(p, r);
                } else {
                    p.released = true;
                    conn.write(new PubRel(id));
                }
            }
            case PubComp c -> {
                if (p != null && p.released) {
                    inflight.remove(id);
                    inflightPublishes--;
                    finish(p, c);
                }
            }
            case PubRel r -> {
                boolean known = qos2Received.remove(id);
                conn.write(known ? new PubComp(id)
                        : new PubComp(id, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY));
            }
        }
        // No pump here: the connection pumps once at the end of the read, so a burst of acknowledgements makes
        // one write of new publishes and one flush, not one each.
    }

    private void finish(OutgoingPublish p, PublishFlowPacket ack) {
        if (ack.reasonCode().isError()) {
            fail(p, new MqttClientException("publish to " + p.message.topic() + " refused", ack.reasonCode(),
                    ack.properties().string(PropertyId.REASON_STRING)), true);
        } else {
            complete(p, ack.reasonCode() == ReasonCode.SUCCESS && ack.properties().isEmpty() ? PublishResult.ACKNOWLEDGED
                    : new PublishResult(ack.reasonCode(), ack.properties()));
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

    // ---- subscriptions (loop) ------------------------------------------------------------------------------

    void subscribe(List<Subscription> subs, MqttProperties properties, CompletableFuture<Object> future) {
        if (connection == null) {
            future.completeExceptionally(new MqttClientException("not connected"));
            return;
        }
        sendSubscribe(connection, subs, properties, future);
        connection.flush();
    }

    private void sendSubscribe(ClientConnection conn, List<Subscription> subs, MqttProperties properties,
                               CompletableFuture<Object> future) {
        int id = inflight.add(new Request(future, subs, null));
        conn.write(new Subscribe(id, subs, conn.version().isV5() ? properties : MqttProperties.EMPTY));
    }

    void unsubscribe(List<String> filters, MqttProperties properties, CompletableFuture<Object> future) {
        if (connection == null) {
            future.completeExceptionally(new MqttClientException("not connected"));
            return;
        }
        int id = inflight.add(new Request(future, null, filters));
        connection.write(new Unsubscribe(id, filters,
                connection.version().isV5() ? properties : MqttProperties.EMPTY));
        connection.flush();
    }

    void onSubAck(SubAck ack) {
        if (!(inflight.remove(ack.packetId()) instanceof Request req) || req.subscriptions == null) {
            return;
        }
        List<ReasonCode> codes = ack.reasonCodes();
        for (int i = 0; i < Math.min(codes.size(), req.subscriptions.size()); i++) {
            Subscription s = req.subscriptions.get(i);
            if (!codes.get(i).isError()) {
                subscriptions.put(s.topicFilter(), s);
            }
        }
        if (!codes.isEmpty() && codes.stream().allMatch(ReasonCode::isError)) {
            req.future.completeExceptionally(new MqttClientException("subscription refused", codes.getFirst(),
                    ack.properties().string(PropertyId.REASON_STRING)));
        } else {
            req.future.complete(new SubscribeResult(codes, ack.properties()));
        }
    }

    void onUnsubAck(UnsubAck ack) {
        if (!(inflight.remove(ack.packetId()) instanceof Request req) || req.unsubscriptions == null) {
            return;
        }
        req.unsubscriptions.forEach(subscriptions::remove);
        req.future.complete(new UnsubscribeResult(ack.reasonCodes(), ack.properties()));
    }

    void reauthenticating(CompletableFuture<Void> future) {
        reauthentication = future;
    }

    void reauthenticated() {
        if (reauthentication != null) {
            reauthentication.complete(null);
            reauthentication = null;
        }
    }

    // ---- incoming messages (loop) --------------------------------------------------------------------------

    void onPublish(ClientConnection conn, Publish publish, String topic) {
        int qos = publish.qos();
        boolean fresh = qos < 2 || qos2Received.add(publish.packetId());
        if (fresh) {
            MqttProperties properties = publish.properties();
            if (properties.contains(PropertyId.TOPIC_ALIAS)) {
                properties = properties.without(PropertyId.TOPIC_ALIAS);
            }
            deliver(conn, new IncomingMessage(topic, ByteBufUtil.getBytes(publish.payload()), qos,
                    publish.retainFlag(), publish.dup(), publish.packetId(), properties));
        }
        if (qos == 1) {
            conn.write(new PubAck(publish.packetId()));
        } else if (qos == 2) {
            conn.write(new PubRec(publish.packetId()));
        }
    }

    private void deliver(ClientConnection conn, IncomingMessage message) {
        MessageListener l = listener;
        if (l != null) {
            try {
                l.onMessage(message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the message listener threw", e);
            }
        }
        stream.offer(message);
        if (stream.backlogged()) {
            conn.channel().config().setAutoRead(false);
        }
    }

    private void demandChanged() {
        if (connection != null && !stream.backlogged()) {
            connection.channel().config().setAutoRead(true);
        }
    }
}
