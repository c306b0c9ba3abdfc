package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.InboundQos2;
import io.midge.broker.session.Session;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the remote sends a bridge: published here as the bridge's configured user would publish it (the ACL's
 * publish right), under the publisher identifier {@code $bridge/<name>} (so the bridge's own outbound queue, No
 * Local, never sends it back), and acknowledged to the remote only once it is stored here, as a client's publish is.
 *
 * <p>Loops with a 3.1.1 remote, which has no No Local: a message the remote sends back that this bridge sent it
 * (same topic and payload, among the last {@value #ECHO_MEMORY} sent) is taken for the echo of its own and not
 * published again. A remote client that publishes exactly what this bridge just sent loses that one copy.
 *
 * <p>QoS 2: the identifiers of messages stored here and not released yet by the remote's PUBREL are the queue
 * session's inbound QoS 2 state ({@code $bridge/<name>}), kept in the store as a client's are: the identifier is
 * written in the same batch as the message, before PUBREC, and removed before PUBCOMP. So a message the remote sends
 * again after a restart of this broker (it never saw the PUBREC) is acknowledged, not published twice
 * (MQTT-4.3.3-9). When the remote has no session for the bridge any more (CONNACK Session Present 0) it will not
 * send them again and may reuse the identifiers: they are forgotten.
 *
 * <p>Threads: the bridge's link loop, which is also the queue session's.
 */
final class BridgeInbound {
    private static final Logger log = LoggerFactory.getLogger(BridgeInbound.class);
    static final int ECHO_MEMORY = 10_000;

    private final BridgeConfig config;
    private final TopicRules rules;
    private final Router router;
    private final Authorizer authorizer;
    private final String publisherId;
    private final BridgeCounters counters;
    private final BridgeQueue queue;
    private final Persistence store;
    /** The last store write of this bridge's inbound messages: acknowledgements go out in order, after it. */
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    private final ArrayDeque<Long> echoOrder = new ArrayDeque<>();
    private final Map<Long, Integer> echoes = new HashMap<>();
    private String lastRefusedTopic;

    BridgeInbound(BridgeConfig config, TopicRules rules, Router router, Authorizer authorizer, BridgeQueue queue,
                  Persistence store, BridgeCounters counters) {
        this.config = config;
        this.rules = rules;
        this.router = router;
        this.authorizer = authorizer;
        this.queue = queue;
        this.publisherId = queue.clientId();
        this.store = store;
        this.counters = counters;
    }

    /** The identifiers of QoS 2 messages stored and not released: the queue session's, on its loop. */
    private InboundQos2 received() {
        return queue.session().inboundQos2();
    }

    void onPublish(Publish p, Channel channel) {
        int qos = p.qos();
        int id = p.packetId();
        if (qos == 2 && received().contains(id)) {
            // A re-send of one stored here already (MQTT-4.3.3-9): PUBREC again, once that copy is stored.
            afterWrites(channel, () -> acknowledge(channel, qos, id, ReasonCode.SUCCESS));
            return;
        }
        String local = rules.toLocal(p.topic());
        boolean echo = config.version() == 4 && isEcho(p.topic(), p.payload());
        if (local == null || echo || !mayPublish(local)) {
            ReasonCode code = local == null || echo ? ReasonCode.SUCCESS : ReasonCode.NOT_AUTHORIZED;
            afterWrites(channel, () -> acknowledge(channel, qos, id, code));
            return;
        }
        MqttProperties props = p.properties().without(PropertyId.TOPIC_ALIAS, PropertyId.SUBSCRIPTION_IDENTIFIER);
        p.payload().retain();
        Message m = new Message(local, qos, p.retainFlag(), p.payload(), props, Message.NEVER, publisherId)
                .publishedAt(System.nanoTime());
        counters.received.increment();
        if (qos == 0) {
            router.publish(m);
            return;
        }
        StoreBatch batch = store.batch(publisherId);
        Session q = queue.session();
        if (qos == 2) {
            // Known at once, so that a copy sent again meanwhile is not published twice; stored with the message.
            q.inboundQos2().add(id);
            if (q.isStored()) {
                batch.putInboundQos2(publisherId, id);
            }
        }
        CompletableFuture<Router.Outcome> stored = router.publishDurably(m, batch);
        lastWrite = stored;
        stored.whenComplete((outcome, e) -> channel.eventLoop().execute(() -> {
            if (e != null) {
                // Not stored: not acknowledged, so the remote sends it again on the next link.
                if (qos == 2) {
                    q.inboundQos2().remove(id);
                }
                log.warn("Bridge '{}': storing a message from the remote failed ({}); link closed", config.name(),
                        e.toString());
                channel.close();
                return;
            }
            acknowledge(channel, qos, id, ReasonCode.SUCCESS);
        }));
    }

    /** The remote released a QoS 2 message: PUBCOMP once its identifier's release is stored. */
    void onPubRel(int id, Channel channel) {
        Session q = queue.session();
        if (!q.inboundQos2().remove(id) || !q.isStored() || !store.isDurable()) {
            afterWrites(channel, () -> channel.writeAndFlush(new PubComp(id)));
            return;
        }
        CompletableFuture<Void> released = store.write(store.batch(publisherId).removeInboundQos2(publisherId, id),
                null);
        lastWrite = released;
        released.whenComplete((v, e) -> channel.eventLoop().execute(() -> {
            if (e != null) {
                // Not released in the store: no PUBCOMP, so the remote sends PUBREL again on the next link.
                log.warn("Bridge '{}': storing the release of a QoS 2 message failed ({}); link closed",
                        config.name(), e.toString());
                channel.close();
                return;
            }
            channel.writeAndFlush(new PubComp(id));
        }));
    }

    /**
     * The remote has no session for the bridge (CONNACK Session Present 0): it sends no unreleased message again and
     * may use their identifiers for new ones, so they are forgotten, here and in the store.
     */
    void remoteSessionGone() {
        Session q = queue.session();
        int[] ids = q.inboundQos2().ids();
        if (ids.length == 0) {
            return;
        }
        StoreBatch batch = store.batch(publisherId);
        for (int id : ids) {
            q.inboundQos2().remove(id);
            batch.removeInboundQos2(publisherId, id);
        }
        if (q.isStored() && store.isDurable()) {
            lastWrite = store.write(batch, null);
        }
    }

    /** Runs {@code action} on the link's loop once this bridge's store writes so far are done (in order). */
    private void afterWrites(Channel channel, Runnable action) {
        CompletableFuture<?> last = lastWrite;
        if (last.isDone()) {
            action.run();
        } else {
            last.whenComplete((v, e) -> channel.eventLoop().execute(action));
        }
    }

    private void acknowledge(Channel channel, int qos, int id, ReasonCode code) {
        boolean v5 = config.version() == 5;
        if (qos == 1) {
            channel.writeAndFlush(v5 ? new PubAck(id, code, MqttProperties.EMPTY) : new PubAck(id));
        } else if (qos == 2) {
            channel.writeAndFlush(v5 ? new PubRec(id, code, MqttProperties.EMPTY) : new PubRec(id));
        }
    }

    private boolean mayPublish(String topic) {
        if (authorizer.canPublish(publisherId, config.localUser(), topic)) {
            return true;
        }
        counters.refusedByAcl.increment();
        if (!topic.equals(lastRefusedTopic)) {
            lastRefusedTopic = topic;
            log.warn("Bridge '{}': the ACL does not let user '{}' publish to '{}': messages from the remote on it "
                    + "are dropped", config.name(), config.localUser(), topic);
        }
        return false;
    }

    /** Remembers what was sent to a 3.1.1 remote, whose echo would come back (on the link's loop). */
    void sentOut(String remoteTopic, ByteBuf payload) {
        long key = fingerprint(remoteTopic, payload);
        echoes.merge(key, 1, Integer::sum);
        echoOrder.add(key);
        if (echoOrder.size() > ECHO_MEMORY) {
            forget(echoOrder.poll());
        }
    }

    private boolean isEcho(String remoteTopic, ByteBuf payload) {
        if (echoes.isEmpty()) {
            return false;
        }
        long key = fingerprint(remoteTopic, payload);
        if (!echoes.containsKey(key)) {
            return false;
        }
        forget(key);
        echoOrder.removeFirstOccurrence(key);
        return true;
    }

    private void forget(long key) {
        echoes.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    private static long fingerprint(String topic, ByteBuf payload) {
        long h = topic.hashCode();
        h = h * 0x9E3779B97F4A7C15L + payload.readableBytes();
        for (int i = payload.readerIndex(); i < payload.writerIndex(); i++) {
            h = h * 31 + payload.getByte(i);
        }
        return h;
    }
}
