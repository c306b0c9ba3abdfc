package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
 * <p>Threads: the bridge's link loop; the QoS 2 identifiers outlive its links (not a restart: after one the remote
 * re-sends an unreleased QoS 2 message, which is then published again).
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
    private final Set<Integer> qos2Received = new HashSet<>();
    private final ArrayDeque<Long> echoOrder = new ArrayDeque<>();
    private final Map<Long, Integer> echoes = new HashMap<>();
    private String lastRefusedTopic;

    BridgeInbound(BridgeConfig config, TopicRules rules, Router router, Authorizer authorizer, String publisherId,
                  BridgeCounters counters) {
        this.config = config;
        this.rules = rules;
        this.router = router;
        this.authorizer = authorizer;
        this.publisherId = publisherId;
        this.counters = counters;
    }

    void onPublish(Publish p, Channel channel) {
        int qos = p.qos();
        int id = p.packetId();
        if (qos == 2 && qos2Received.contains(id)) {
            channel.writeAndFlush(new PubRec(id)); // a re-send of one published already (MQTT-4.3.3-9)
            return;
        }
        String local = rules.toLocal(p.topic());
        boolean echo = config.version() == 4 && isEcho(p.topic(), p.payload());
        if (local == null || echo || !mayPublish(local)) {
            acknowledge(channel, qos, id, local == null || echo ? ReasonCode.SUCCESS : ReasonCode.NOT_AUTHORIZED);
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
        router.publishDurably(m).whenComplete((outcome, e) -> channel.eventLoop().execute(() -> {
            if (e != null) {
                // Not stored: not acknowledged, so the remote sends it again on the next link.
                log.warn("Bridge '{}': storing a message from the remote failed ({}); link closed", config.name(),
                        e.toString());
                channel.close();
                return;
            }
            if (qos == 2) {
                qos2Received.add(id);
            }
            acknowledge(channel, qos, id, ReasonCode.SUCCESS);
        }));
    }

    void onPubRel(int id, Channel channel) {
        qos2Received.remove(id);
        channel.writeAndFlush(new PubComp(id));
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
