package io.midge.broker.protocol;

import io.midge.broker.limits.Overload;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoreOverloadedException;
import io.midge.broker.persistence.StoreWriteFailedException;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.InboundQos2;
import io.midge.codec.MqttCodecException;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's PUBLISH and PUBREL: the checks (maximum QoS, retain, topic alias, receive maximum, payload format,
 * topics reserved for the broker, the ACL), the QoS 2 identifiers, and the way to the router: acknowledged only once
 * durable when the store is.
 */
final class InboundPublishes {
    private static final Logger log = LoggerFactory.getLogger(InboundPublishes.class);
    /**
     * What a PUBLISH says of itself rather than of its message; one array, not one per call, since a node's link
     * sends nearly every PUBLISH with a Topic Alias.
     */
    private static final PropertyId[] NOT_FORWARDED = {PropertyId.TOPIC_ALIAS, PropertyId.MESSAGE_EXPIRY_INTERVAL,
        PropertyId.SUBSCRIPTION_IDENTIFIER, PropertyId.WILL_DELAY_INTERVAL};

    private final ConnectionContext c;
    private final StoreOrder store;
    private final Disconnector disconnector;
    /** This client's publishes whose deliveries wait for their batch: a later one may not overtake them. */
    private int heldOffers;
    /** Made at the first pause for the overload policy: most publishers never meet one. */
    private OverloadPause overloadPause;

    InboundPublishes(ConnectionContext c, StoreOrder store, Disconnector disconnector) {
        this.c = c;
        this.store = store;
        this.disconnector = disconnector;
    }

    void onPublish(Publish p, PublishThrottle throttle) {
        c.broker.metrics().receivedByQos[p.qos()].increment();
        c.countMessageIn();
        if (throttle != null) {
            throttle.onPublish(c, p.payload().readableBytes());
        }
        if (p.qos() > c.broker.config().protocol().maximumQos()) {
            p.release();
            disconnector.disconnect(ReasonCode.QOS_NOT_SUPPORTED, "MQTT-3.2.2-11: QoS " + p.qos()
                    + " is above the maximum QoS");
            return;
        }
        if (p.retainFlag() && !c.broker.config().protocol().retainAvailable()) {
            p.release();
            disconnector.disconnect(ReasonCode.RETAIN_NOT_SUPPORTED,
                    "MQTT-3.2.2-14: retained messages are not supported");
            return;
        }
        String topic;
        try {
            topic = c.dialect.topic(p, c);
        } catch (MqttCodecException e) {
            p.release();
            disconnector.disconnect(e.reasonCode(), e.getMessage());
            return;
        }
        InboundQos2 inboundQos2 = c.session.inboundQos2();
        int receiveMaximum = c.broker.config().protocol().receiveMaximum();
        if (p.qos() > 0 && !inboundQos2.contains(p.packetId()) && inboundQos2.size() >= receiveMaximum) {
            p.release();
            c.broker.metrics().refusedReceiveMaximum.increment();
            disconnector.disconnect(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, "MQTT-3.3.4-7: more than Receive Maximum "
                    + receiveMaximum + " unacknowledged publishes");
            return;
        }
        if (c.dialect.payloadFormatInvalid(p)) {
            p.release();
            if (p.qos() == 0) {
                disconnector.disconnect(ReasonCode.PAYLOAD_FORMAT_INVALID, "payload marked UTF-8 is not");
            } else {
                acknowledge(p, ReasonCode.PAYLOAD_FORMAT_INVALID, "payload marked UTF-8 is not");
            }
            return;
        }
        if (p.qos() == 2 && inboundQos2.contains(p.packetId())) {
            // A re-sent QoS 2 PUBLISH before PUBREL: acknowledged again, not delivered twice (MQTT-4.3.3-9); on the
            // durable path after the batches before it, so never before the first copy is durable.
            p.release();
            store.afterPending(() -> c.write(new PubRec(p.packetId())));
            return;
        }
        if (topic.startsWith("$") && !(c.broker.nodeLinks() && NodeClientIds.isNode(topic))) {
            // Topics that start with $ are the broker's ($cluster/... on a link: what nodes tell each other) ($SYS/...; §4.7.2): a client could otherwise fake them.
            c.broker.metrics().publishesToReservedTopics.increment();
            // 0x87 without a Reason String: the code says it, and the Paho interoperability client, which
            // publishes to a $ topic to see that wildcards do not match it, cannot read a PUBACK with properties.
            refuse(p, "§4.7.2: '" + topic + "' starts with $, which is reserved for the broker", false);
            return;
        }
        Authorizer acl = c.broker.authorizer();
        if (acl != Authorizer.ALLOW_ALL && !acl.canPublish(c.clientId, c.username, topic)) {
            c.broker.metrics().publishesDenied.increment();
            refuse(p, "not authorized to publish to '" + topic + "'", true);
            return;
        }
        String unavailable = c.broker.limits().unavailable();
        if (unavailable != null && !c.broker.nodeLinks()) {
            refuseUnavailable(p, unavailable);
            return;
        }
        // What the overload policy costs a publish (three field reads; the publish is where direct memory grows,
        // so it is judged here); after the checks, so that an alias the publish sets is known and a broken rule is
        // still a broken rule.
        int overloaded = c.broker.limits().overload().check();
        if (overloaded != 0 && overloaded(p, overloaded)) {
            return;
        }
        Message message = toMessage(topic, p.qos(), p.retainFlag(), p.payload(), p.properties());
        Persistence persistence = c.broker.persistence();
        if (persistence.isDurable() && (p.qos() > 0 || store.behind())) {
            publishDurably(p, message);
            return;
        }
        ReasonCode code = outcomeCode(counted(c.broker.router().publish(message), p));
        if (p.qos() == 2 && !code.isError()) {
            inboundQos2.add(p.packetId());
        }
        if (p.qos() > 0) {
            acknowledge(p, code, null);
        }
    }

    /**
     * Applies the overload measures in force to a publish (see {@link Overload}): the publisher is paused, a QoS 0
     * publish dropped, a 5.0 client's QoS 1/2 publish refused with 0x97; a 3.x client's QoS 1/2 publish is taken
     * (it could only be refused by closing the connection, and its client would send it again), its publisher
     * only paused. Returns whether the publish was dropped or refused.
     */
    private boolean overloaded(Publish p, int measures) {
        if ((measures & Overload.PAUSE_PUBLISHERS) != 0) {
            if (overloadPause == null) {
                overloadPause = new OverloadPause(c, c.broker.limits().overload());
            }
            overloadPause.pause();
        }
        if (p.qos() == 0) {
            if ((measures & Overload.DROP_QOS0) == 0) {
                return false;
            }
            p.release();
            c.broker.metrics().droppedOverload.increment();
            return true;
        }
        // Another node's link is not refused: its queue keeps the message for it, and slowing it down suffices.
        if ((measures & Overload.REFUSE_PUBLISHES) == 0 || !c.dialect.refusesInAcknowledgements()
                || c.broker.nodeLinks()) {
            return false;
        }
        p.release();
        c.broker.metrics().refusedOverload.increment();
        store.afterPending(() -> acknowledge(p, ReasonCode.QUOTA_EXCEEDED, "the broker is overloaded: try later"));
        return true;
    }

    /**
     * A publish the ACL does not allow, or to a topic reserved for the broker: dropped. QoS 1/2 is answered 0x87 in
     * 5.0; 3.1.1 has no way to say so and is acknowledged as usual (MQTT-3.3.5-2 allows that). After this client's
     * pending store writes, to keep the acknowledgements in order.
     */
    private void refuse(Publish p, String reason, boolean sayWhy) {
        log.debug("Client '{}' (user '{}'): publish dropped: {}", c.clientId, c.username, reason);
        p.release();
        if (p.qos() > 0) {
            store.afterPending(() -> acknowledge(p, ReasonCode.NOT_AUTHORIZED, sayWhy ? reason : null));
        }
    }

    /**
     * A publish while the broker takes none (a cluster node cut off from the majority): dropped, and a QoS 1/2
     * publisher told so, 0x83 in 5.0; 3.1.1 cannot be told but by closing the connection, which beats a PUBACK for
     * a message nobody will get.
     */
    private void refuseUnavailable(Publish p, String reason) {
        log.debug("Client '{}': publish refused: {}", c.clientId, reason);
        p.release();
        if (p.qos() == 0) {
            return;
        }
        if (!c.dialect.refusesInAcknowledgements()) {
            disconnector.disconnect(ReasonCode.UNSPECIFIED_ERROR, reason);
        } else {
            store.afterPending(() -> acknowledge(p, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, reason));
        }
    }

    /**
     * Acknowledged means durable: the message, its queue entries for persistent subscribers, the retained change
     * and the QoS 2 identifier go to the store in one batch, and PUBACK or PUBREC is sent only once it is written.
     * The publisher's batches complete in order, and while one is pending even QoS 0 messages wait their turn, so
     * that its messages keep their order.
     *
     * <p>A QoS 1 (or 0) message goes to its subscribers at once, before its batch is durable, when the store allows
     * it ({@link Persistence#deliversBeforeDurable}: RocksDB with one writer, while its writes succeed) and no earlier message of this publisher still waits for its
     * batch; otherwise (QoS 2: a crash before PUBREC would make the publisher send it again, and a subscriber get it
     * twice) its deliveries wait for the batch. Early delivery keeps "acknowledged means not lost" under kill -9:
     * PUBACK still waits for the batch, whose queue entries are each written or cancelled first, and an entry is
     * cancelled only when its subscriber acknowledged the message (or its session dropped it) before the store's
     * writer took it, so it needs neither its put nor its delete. A crash before PUBACK loses nothing the publisher
     * was told about: it sends the message again (a subscriber may see it twice, as QoS 1 allows). What a subscriber
     * gains: its messages do not wait for the publisher's sync, and those it acknowledges quickly cost no store write.
     */
    private void publishDurably(Publish p, Message message) {
        StoreBatch batch = store.batch();
        if (p.qos() == 2) {
            // Known at once, so that a copy re-sent meanwhile is not routed twice.
            c.session.inboundQos2().add(p.packetId());
            if (c.session.isStored()) {
                batch.putInboundQos2(c.clientId, p.packetId());
            }
        }
        Router router = c.broker.router();
        if (p.qos() < 2 && heldOffers == 0 && c.broker.persistence().deliversBeforeDurable()) {
            ReasonCode code = outcomeCode(counted(router.offer(router.route(message, batch.cancellableQueued())), p));
            if (p.qos() == 0 && batch.isEmpty()) {
                return; // delivered, and nothing of it to keep
            }
            afterWrite(batch, error -> {
                if (error != null) {
                    storeRefused(p, error); // delivered already: a publisher that sends it again duplicates it
                } else if (p.qos() > 0) {
                    acknowledge(p, code, null);
                }
            });
            return;
        }
        Router.Routed routed = router.route(message, batch);
        heldOffers++;
        afterWrite(batch, error -> {
            heldOffers--;
            finishPublish(p, routed, error);
        });
    }

    /**
     * Runs {@code then} once the batch is written, after this client's earlier batches; at once when there is
     * nothing to store (clean sessions only, no retained change) and nothing ahead of it, rather than through the
     * writer thread and back just to keep an order that nothing can break.
     */
    private void afterWrite(StoreBatch batch, Consumer<Throwable> then) {
        if (batch.isEmpty() && !store.behind()) {
            then.accept(null);
        } else {
            store.write(batch, then);
        }
    }

    /** Hands the routed deliveries over and acknowledges, once the publish's batch is written (or refused). */
    private void finishPublish(Publish p, Router.Routed routed, Throwable error) {
        if (error != null) {
            c.broker.router().discard(routed);
            if (p.qos() == 2) {
                c.session.inboundQos2().remove(p.packetId());
            }
            storeRefused(p, error);
            return;
        }
        ReasonCode code = outcomeCode(counted(c.broker.router().offer(routed), p));
        if (p.qos() == 2 && code.isError()) {
            releaseInboundQos2(p.packetId());
        }
        if (p.qos() > 0) {
            acknowledge(p, code, null);
        }
    }

    /**
     * A publish the store did not take: in 5.0 answered 0x97 Quota exceeded when the store is behind (the client
     * may retry), 0x80 when it failed; 3.1.1 has no way to say so but closing the connection.
     */
    private void storeRefused(Publish p, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof StoreWriteFailedException) {
            // The store logged the failure once, with its directory; one line per refused message would flood.
            log.debug("Storing a message from '{}' failed: {}", c.clientId, cause.toString());
        } else {
            log.warn("Storing a message from '{}' failed: {}", c.clientId, cause.toString());
        }
        if (p.qos() == 0) {
            return;
        }
        if (!c.dialect.refusesInAcknowledgements()) {
            disconnector.disconnect(ReasonCode.UNSPECIFIED_ERROR, "the message could not be stored");
        } else if (cause instanceof StoreOverloadedException) {
            acknowledge(p, ReasonCode.QUOTA_EXCEEDED, "the store is behind");
        } else if (cause instanceof StoreWriteFailedException failed) {
            // The client may try again later; the reason says it is the broker's disk, not the message.
            acknowledge(p, ReasonCode.UNSPECIFIED_ERROR, "the broker's store cannot write: " + failed.reason());
        } else {
            acknowledge(p, ReasonCode.UNSPECIFIED_ERROR, "the message could not be stored");
        }
    }

    /** The client released a QoS 2 message: PUBCOMP, once the identifier's release is durable. */
    void onPubRel(PubRel r) {
        boolean known = c.session.inboundQos2().remove(r.packetId());
        PubComp comp = new PubComp(r.packetId(), known ? ReasonCode.SUCCESS : c.dialect.unknownPacketIdentifier(),
                MqttProperties.EMPTY);
        boolean stored = known && c.session.isStored();
        if (stored || store.behind()) {
            // PUBCOMP only once the identifier's release is durable (and after what came before it).
            StoreBatch batch = store.batch();
            if (stored) {
                batch.removeInboundQos2(c.clientId, r.packetId());
            }
            store.write(batch, error -> c.write(comp));
        } else {
            c.write(comp);
        }
    }

    /** Forgets an inbound QoS 2 identifier, in the store too. */
    private void releaseInboundQos2(int packetId) {
        if (c.session.inboundQos2().remove(packetId) && c.session.isStored()) {
            store.write(store.batch().removeInboundQos2(c.clientId, packetId), error -> { });
        }
    }

    /** Counts a publish that reached nobody (a retained one is kept for later subscribers: not dropped). */
    private Router.Outcome counted(Router.Outcome outcome, Publish p) {
        if (outcome == Router.Outcome.NO_SUBSCRIBERS && !p.retainFlag()) {
            c.broker.metrics().droppedNoSubscribers.increment();
        }
        return outcome;
    }

    private static ReasonCode outcomeCode(Router.Outcome outcome) {
        switch (outcome) {
            case DELIVERED:
                return ReasonCode.SUCCESS;
            case NO_SUBSCRIBERS:
                return ReasonCode.NO_MATCHING_SUBSCRIBERS;
            default:
                return ReasonCode.QUOTA_EXCEEDED;
        }
    }

    private void acknowledge(Publish p, ReasonCode code, String reason) {
        ReasonCode sent = c.dialect.acknowledgement(code);
        MqttProperties props = reason == null ? MqttProperties.EMPTY : c.dialect.reasonString(c, reason,
                r -> p.qos() == 1 ? new PubAck(p.packetId(), sent, r) : new PubRec(p.packetId(), sent, r));
        c.write(p.qos() == 1 ? new PubAck(p.packetId(), sent, props) : new PubRec(p.packetId(), sent, props));
    }

    /** An application message from a PUBLISH; takes over the payload reference. */
    private Message toMessage(String topic, int qos, boolean retain, ByteBuf payload, MqttProperties props) {
        long deadline = Message.NEVER;
        if (props.contains(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
            deadline = System.nanoTime()
                    + TimeUnit.SECONDS.toNanos(props.number(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0));
        }
        MqttProperties forwarded = props.isEmpty() ? props : props.without(NOT_FORWARDED);
        return new Message(topic, qos, retain, payload, forwarded, deadline, c.clientId);
    }
}
