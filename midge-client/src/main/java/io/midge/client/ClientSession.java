package io.midge.client;

import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The client's side of the MQTT session, which outlives connections: the connection of the moment, the packet
 * identifiers in use (shared by publishes and (un)subscriptions), and the three flows that use them:
 * {@link PublishFlow}, {@link SubscribeFlow} and {@link InboundDelivery}. The connection hands it what it reads.
 * Confined to the client's event loop, except {@link #publishes()}'s publish.
 */
final class ClientSession {
    private final InflightTracker<Object> inflight = new InflightTracker<>();
    private final PublishFlow publishes;
    private final SubscribeFlow subscriptions = new SubscribeFlow(inflight);
    private final InboundDelivery inbound;
    private ClientConnection connection;
    private CompletableFuture<Void> reauthentication;

    ClientSession(OfflineBuffer buffer, EventLoop loop) {
        this.publishes = new PublishFlow(buffer, loop, inflight, this::connection);
        this.inbound = new InboundDelivery(loop, this::connection);
    }

    PublishFlow publishes() {
        return publishes;
    }

    InboundDelivery inbound() {
        return inbound;
    }

    private ClientConnection connection() {
        return connection;
    }

    // ---- connection events ------------------------------------------------------------------------------------

    void connected(ClientConnection conn, ConnectResult result, boolean resubscribe) {
        connection = conn;
        publishes.connected(conn, result);
        if (!result.sessionPresent()) {
            inbound.newSession();
            if (resubscribe) {
                subscriptions.resubscribe(conn);
            }
        }
        conn.flush();
        publishes.pump(conn);
    }

    /** The connection ended: requests waiting for acknowledgements fail; publishes stay for the next one. */
    void disconnected(Throwable cause) {
        connection = null;
        subscriptions.failWaiting(cause);
        if (reauthentication != null) {
            reauthentication.completeExceptionally(cause);
            reauthentication = null;
        }
    }

    /** Sends what waits, as far as the broker's Receive Maximum and the socket allow. */
    void pump(ClientConnection conn) {
        publishes.pump(conn);
    }

    // ---- what the connection reads ----------------------------------------------------------------------------

    void onPublish(ClientConnection conn, Publish publish, String topic) {
        inbound.onPublish(conn, publish, topic);
    }

    void onAck(ClientConnection conn, PublishFlowPacket ack) {
        if (ack.type() == PacketType.PUBREL) {
            inbound.onPubRel(conn, ack.packetId());
        } else {
            publishes.onAck(conn, ack);
        }
    }

    void onSubAck(SubAck ack) {
        subscriptions.onSubAck(ack);
    }

    void onUnsubAck(UnsubAck ack) {
        subscriptions.onUnsubAck(ack);
    }

    // ---- requests of the application ----------------------------------------------------------------------------

    void subscribe(List<Subscription> subs, MqttProperties properties, CompletableFuture<Object> future) {
        if (connection == null) {
            future.completeExceptionally(notConnected());
            return;
        }
        subscriptions.subscribe(connection, subs, properties, future);
        connection.flush();
    }

    void unsubscribe(List<String> filters, MqttProperties properties, CompletableFuture<Object> future) {
        if (connection == null) {
            future.completeExceptionally(notConnected());
            return;
        }
        subscriptions.unsubscribe(connection, filters, properties, future);
        connection.flush();
    }

    /** Starts a re-authentication on the connection; the future completes when the broker accepts it. */
    void reauthenticate(CompletableFuture<Void> future) {
        if (connection == null || !connection.isConnected()) {
            future.completeExceptionally(notConnected());
            return;
        }
        reauthentication = future;
        connection.reauthenticate();
    }

    void reauthenticated() {
        if (reauthentication != null) {
            reauthentication.complete(null);
            reauthentication = null;
        }
    }

    private static MqttClientException notConnected() {
        return new MqttClientException(MqttClientException.Kind.NOT_CONNECTED, "not connected");
    }
}
