package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
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

/**
 * SUBSCRIBE and UNSUBSCRIBE until their acknowledgements, and the subscriptions the broker granted, which a new
 * session gets again. Confined to the client's event loop.
 */
final class SubscribeFlow {
    /** A SUBSCRIBE (subscriptions set) or UNSUBSCRIBE (unsubscriptions set) waiting for its acknowledgement. */
    static final class Request {
        final CompletableFuture<Object> future;
        final List<Subscription> subscriptions;
        final List<String> unsubscriptions;

        Request(CompletableFuture<Object> future, List<Subscription> subscriptions, List<String> unsubscriptions) {
            this.future = future;
            this.subscriptions = subscriptions;
            this.unsubscriptions = unsubscriptions;
        }
    }

    private final InflightTracker<Object> inflight;
    private final Map<String, Subscription> granted = new LinkedHashMap<>();

    /** @param inflight the session's packet identifiers, shared with the publishes */
    SubscribeFlow(InflightTracker<Object> inflight) {
        this.inflight = inflight;
    }

    /** Writes a SUBSCRIBE; the future gets the {@link SubscribeResult}. */
    void subscribe(ClientConnection conn, List<Subscription> subs, MqttProperties properties,
                   CompletableFuture<Object> future) {
        int id = inflight.add(new Request(future, subs, null));
        conn.write(new Subscribe(id, subs, conn.version().isV5() ? properties : MqttProperties.EMPTY));
    }

    /** Writes an UNSUBSCRIBE; the future gets the {@link UnsubscribeResult}. */
    void unsubscribe(ClientConnection conn, List<String> filters, MqttProperties properties,
                     CompletableFuture<Object> future) {
        int id = inflight.add(new Request(future, null, filters));
        conn.write(new Unsubscribe(id, filters, conn.version().isV5() ? properties : MqttProperties.EMPTY));
    }

    /** A new session has none of the client's subscriptions: they are made again, in one SUBSCRIBE. */
    void resubscribe(ClientConnection conn) {
        if (!granted.isEmpty()) {
            subscribe(conn, new ArrayList<>(granted.values()), MqttProperties.EMPTY, new CompletableFuture<>());
        }
    }

    void onSubAck(SubAck ack) {
        Request req = request(ack.packetId());
        if (req == null || req.subscriptions == null) {
            return;
        }
        List<ReasonCode> codes = ack.reasonCodes();
        for (int i = 0; i < Math.min(codes.size(), req.subscriptions.size()); i++) {
            Subscription s = req.subscriptions.get(i);
            if (!codes.get(i).isError()) {
                granted.put(s.topicFilter(), s);
            }
        }
        if (!codes.isEmpty() && codes.stream().allMatch(ReasonCode::isError)) {
            req.future.completeExceptionally(new MqttClientException(MqttClientException.Kind.SUBSCRIBE_REFUSED,
                    "subscription refused", codes.get(0), ack.properties().string(PropertyId.REASON_STRING)));
        } else {
            req.future.complete(new SubscribeResult(codes, ack.properties()));
        }
    }

    void onUnsubAck(UnsubAck ack) {
        Request req = request(ack.packetId());
        if (req == null || req.unsubscriptions == null) {
            return;
        }
        req.unsubscriptions.forEach(granted::remove);
        req.future.complete(new UnsubscribeResult(ack.reasonCodes(), ack.properties()));
    }

    /** The connection ended: the requests waiting for acknowledgements fail with its cause. */
    void failWaiting(Throwable cause) {
        for (Object e : inflight.removeIf(e -> e instanceof Request)) {
            ((Request) e).future.completeExceptionally(cause);
        }
    }

    /** Removes and returns the request with this identifier; null when the identifier is a publish's or unused. */
    private Request request(int packetId) {
        Object entry = inflight.get(packetId);
        if (!(entry instanceof Request)) {
            return null;
        }
        inflight.remove(packetId);
        return (Request) entry;
    }
}
