package io.midge.broker.http;

import io.midge.broker.protocol.ClientConnection;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.PendingMessages;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.protocol.MqttVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code /api/v1/clients}: every session, connected or not, by client identifier; one client, its subscriptions
 * and its queue; and the kick. A page walks the sorted registry from its cursor, so it costs a page (plus what a
 * filter skips, within {@link Paging#SCAN_BUDGET}). What the session's loop alone may touch (subscriptions, queue)
 * is read there by a short task; counts and the connection's figures are read as they are, at most a moment old.
 */
final class ClientsResource {
    private final SessionRegistry sessions;
    /** This node's identifier in a cluster: every client listed here is this node's (null on its own). */
    private final String node;

    ClientsResource(ApiContext api) {
        this.sessions = api.broker().sessions();
        this.node = api.nodeId();
    }

    ApiResponse list(ApiRequest request) {
        Paging paging = Paging.of(request, 1);
        String prefix = request.param("prefix");
        String user = request.param("user");
        String address = request.param("address");
        Boolean connected = request.boolParam("connected");
        NavigableMap<String, Session> all = sessions.byClientId();
        NavigableMap<String, Session> from;
        if (paging.after != null && (prefix == null || paging.after[0].compareTo(prefix) >= 0)) {
            from = all.tailMap(paging.after[0], false);
        } else {
            from = prefix == null ? all : all.tailMap(prefix, true);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        String next = null;
        int scanned = 0;
        String lastScanned = null;
        for (Map.Entry<String, Session> e : from.entrySet()) {
            String clientId = e.getKey();
            if (prefix != null && !clientId.startsWith(prefix)) {
                break; // sorted: nothing further starts with it
            }
            if (++scanned > Paging.SCAN_BUDGET) {
                next = Paging.cursor(lastScanned); // go on from here next time
                break;
            }
            lastScanned = clientId;
            Session s = e.getValue();
            ClientConnection c = ClientConnection.of(s);
            if (connected != null && connected != (c != null)) {
                continue;
            }
            if (user != null && (c == null || !user.equals(c.username()))) {
                continue;
            }
            if (address != null && (c == null || !address(c.remoteAddress()).startsWith(address))) {
                continue;
            }
            if (items.size() == paging.limit) {
                next = Paging.cursor(items.get(items.size() - 1).get("clientId").toString());
                break; // one more matches: there is a next page
            }
            items.add(client(s, c, node));
        }
        return ApiResponse.json(Paging.page(items, next));
    }

    ApiResponse get(ApiRequest request, String clientId) {
        Session s = find(clientId);
        return ApiResponse.json(client(s, ClientConnection.of(s), node));
    }

    /**
     * Disconnects the client (5.0: DISCONNECT 0x98 Administrative action, through the connection's own path), and
     * with {@code session=true} ends its session too, as if it had expired. Both run on the session's loop, one
     * after the other, and the answer waits for them.
     */
    CompletionStage<ApiResponse> delete(ApiRequest request, String clientId) {
        Boolean discard = request.boolParam("session");
        Session s = find(clientId);
        CompletableFuture<Void> done = new CompletableFuture<>();
        s.execute(() -> {
            ClientConnection c = ClientConnection.of(s);
            Runnable then = () -> {
                if (Boolean.TRUE.equals(discard)) {
                    sessions.discard(s).whenComplete((v, e) -> done.complete(null));
                } else {
                    done.complete(null);
                }
            };
            if (c != null) {
                c.kick("disconnected by an administrator", then);
            } else {
                then.run();
            }
        });
        return done.orTimeout(OnLoops.TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .thenApply(v -> ApiResponse.noContent());
    }

    CompletionStage<ApiResponse> subscriptions(ApiRequest request, String clientId) {
        Session s = find(clientId);
        return OnLoops.read(s, session -> new TreeMap<>(session.subscriptions())).thenApply(subs -> {
            List<Map<String, Object>> items = new ArrayList<>();
            subs.forEach((filter, options) -> items.add(subscription(clientId, filter, options)));
            return ApiResponse.json(Paging.all(items));
        });
    }

    /** A page of the messages in flight (oldest first), then queued; the cursor counts what was shown. */
    CompletionStage<ApiResponse> queue(ApiRequest request, String clientId) {
        Paging paging = Paging.of(request, 1);
        int skip = 0;
        if (paging.after != null) {
            try {
                skip = Integer.parseInt(paging.after[0]);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("after", "after must be the 'next' cursor of a previous page");
            }
        }
        Session s = find(clientId);
        int from = skip;
        return OnLoops.read(s, session -> session.queue().pending(from, paging.limit + 1)).thenApply(pending -> {
            List<Map<String, Object>> items = new ArrayList<>();
            for (int i = 0; i < Math.min(pending.size(), paging.limit); i++) {
                PendingMessages.Pending p = pending.get(i);
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("topic", p.topic());
                item.put("qos", p.qos());
                item.put("payloadBytes", p.payloadBytes());
                item.put("state", p.inflight() ? "inflight" : "queued");
                item.put("packetId", p.inflight() ? p.packetId() : null);
                items.add(item);
            }
            String next = pending.size() > paging.limit ? Paging.cursor(Integer.toString(from + paging.limit)) : null;
            return ApiResponse.json(Paging.page(items, next));
        });
    }

    private Session find(String clientId) {
        Session s = sessions.get(clientId);
        if (s == null || s.isEnded()) {
            throw ApiError.notFound("no client '" + clientId + "'");
        }
        return s;
    }

    /** One client as the API shows it; the connection's fields are null while it is offline. */
    static Map<String, Object> client(Session s, ClientConnection c, String node) {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("clientId", s.clientId());
        if (node != null) {
            client.put("node", node); // a cluster's node lists the sessions it holds: they are its own
        }
        client.put("connected", c != null);
        client.put("username", c == null ? null : c.username());
        client.put("address", c == null ? null : address(c.remoteAddress()));
        client.put("listener", c == null ? null : c.listener());
        client.put("protocolVersion", c == null ? version(s.protocolVersion()) : version(c.version().level()));
        client.put("keepAlive", c == null ? null : c.keepAlive());
        client.put("connectedSince", c == null ? null
                : Instant.ofEpochSecond(c.connectedSinceSeconds()).toString());
        client.put("sessionExpiry", s.expiryIntervalSeconds());
        client.put("cleanStart", c == null ? null : c.cleanStart());
        client.put("subscriptions", s.subscriptions().size());
        client.put("inflight", s.queue().inflightCount());
        client.put("queued", s.queue().pendingMessages());
        client.put("messagesIn", c == null ? 0 : c.messagesIn());
        client.put("messagesOut", c == null ? 0 : c.messagesOut());
        client.put("bytesIn", c == null ? 0 : c.bytesIn());
        client.put("bytesOut", c == null ? 0 : c.bytesOut());
        return client;
    }

    static Map<String, Object> subscription(String clientId, String filter, SubscriptionOptions o) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("clientId", clientId);
        item.put("filter", filter);
        item.put("qos", o.qos());
        item.put("noLocal", o.noLocal());
        item.put("retainAsPublished", o.retainAsPublished());
        item.put("retainHandling", o.retainHandling());
        item.put("subscriptionId", o.subscriptionId() == 0 ? null : o.subscriptionId());
        return item;
    }

    /** {@code 127.0.0.1:50412}, {@code [::1]:50412}. */
    static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    private static String version(int level) {
        return switch (level) {
            case 3 -> "3.1";
            case 5 -> "5.0";
            default -> "3.1.1";
        };
    }
}
