package io.midge.broker.protocol;

import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.Session;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.Topics;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUBSCRIBE and UNSUBSCRIBE: the policy on each filter (deny list, ACL, max-subscriptions, maximum QoS), the change
 * to the session, the retained messages a new subscription gets, and the answer once a persistent session's change
 * is durable.
 */
final class SubscriptionRequests {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionRequests.class);

    private final ConnectionContext c;
    /** The connection's store order; null while it has published nothing, and so has nothing waiting. */
    private final StoreOrder store;

    /** Made for each SUBSCRIBE and UNSUBSCRIBE: it keeps nothing between them. */
    SubscriptionRequests(ConnectionContext c, StoreOrder store) {
        this.c = c;
        this.store = store;
    }

    void onSubscribe(Subscribe s) {
        if (store != null) {
            store.writeJoined(); // the store sees this client's changes in the order they were made
        }
        Session session = c.session;
        List<ReasonCode> codes = new ArrayList<>(s.subscriptions().size());
        int subscriptionId = (int) s.properties().number(PropertyId.SUBSCRIPTION_IDENTIFIER, 0);
        List<Runnable> retainedToSend = new ArrayList<>();
        Map<String, SubscriptionOptions> added = new LinkedHashMap<>();
        for (Subscription sub : s.subscriptions()) {
            String filter = sub.topicFilter();
            ReasonCode refusal = refusal(filter);
            if (refusal != null) {
                codes.add(refusal);
                continue;
            }
            int qos = Math.min(sub.qos(), c.broker.config().protocol().maximumQos());
            SubscriptionOptions options = SubscriptionOptions.of(qos, sub.noLocal(), sub.retainAsPublished(),
                    sub.retainHandling(), subscriptionId);
            boolean existed = session.subscribe(filter, options);
            added.put(filter, options);
            codes.add(ReasonCode.of(PacketType.SUBACK, qos));
            boolean sendRetained = !Topics.isSharedFilter(filter)
                    && (sub.retainHandling() == 0 || (sub.retainHandling() == 1 && !existed));
            if (sendRetained) {
                retainedToSend.add(() -> c.broker.router().sendRetained(session, filter, options));
            }
        }
        // SUBACK once the subscriptions of a persistent session are durable, and on a cluster once the other nodes
        // forward what matches them here; matching messages may come first (MQTT 5.0 section 3.8.4).
        CompletableFuture<Void> stored = c.broker.sessions().store().subscribed(session, added, c.ctx.executor());
        CompletableFuture<Void> spread = c.broker.router().topicTree().spread(added.keySet());
        c.whenStored(spread.isDone() ? stored : spread.thenComposeAsync(v -> stored, c.ctx.executor()), error -> {
            if (error != null) {
                log.warn("Storing subscriptions of '{}' failed: {}", c.clientId, error.toString());
                codes.replaceAll(code -> ReasonCode.UNSPECIFIED_ERROR);
            }
            c.write(new SubAck(s.packetId(), codes, MqttProperties.EMPTY));
            retainedToSend.forEach(Runnable::run);
        });
    }

    /** Why a filter is refused, as its SUBACK code, or null when it may be subscribed to. */
    private ReasonCode refusal(String filter) {
        ReasonCode refusal = c.dialect.filterRefusal(filter);
        if (refusal != null) {
            return refusal;
        }
        if (c.broker.config().security().denySubscribe().contains(filter)) {
            return ReasonCode.UNSPECIFIED_ERROR;
        }
        Authorizer acl = c.broker.authorizer();
        if (acl != Authorizer.ALLOW_ALL && !acl.canSubscribe(c.clientId, c.username, filter)) {
            c.broker.metrics().subscriptionsDenied.increment();
            return c.dialect.subscriptionDenied();
        }
        Map<String, SubscriptionOptions> existing = c.session.subscriptions();
        if (c.broker.config().limits().maxSubscriptions() > 0 && !existing.containsKey(filter)
                && existing.size() >= c.broker.config().limits().maxSubscriptions()) {
            c.broker.metrics().refusedSubscriptionLimit.increment(); // a new filter beyond max-subscriptions
            return ReasonCode.QUOTA_EXCEEDED; // 0x80 in 3.x
        }
        return null;
    }

    void onUnsubscribe(Unsubscribe u) {
        if (store != null) {
            store.writeJoined(); // the store sees this client's changes in the order they were made
        }
        List<ReasonCode> codes = new ArrayList<>(u.topicFilters().size());
        for (String filter : u.topicFilters()) {
            // A filter SUBSCRIBE refuses was never subscribed to; a 3.x decoder lets a malformed $share/ filter through,
            // which the topic tree cannot take apart.
            boolean removed = c.dialect.filterRefusal(filter) == null && c.session.unsubscribe(filter);
            codes.add(removed ? ReasonCode.SUCCESS : ReasonCode.NO_SUBSCRIPTION_EXISTED);
        }
        c.whenStored(c.broker.sessions().store().unsubscribed(c.session, u.topicFilters(), c.ctx.executor()),
                error -> {
                    if (error != null) {
                        log.warn("Storing unsubscriptions of '{}' failed: {}", c.clientId, error.toString());
                        codes.replaceAll(code -> code.isError() ? code : ReasonCode.UNSPECIFIED_ERROR);
                    }
                    c.write(new UnsubAck(u.packetId(), c.dialect.unsubAckCodes(codes), MqttProperties.EMPTY));
                });
    }
}
