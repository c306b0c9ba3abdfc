package io.midge.broker.protocol;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.protocol.ConnectionContext.State;
import io.midge.broker.routing.Message;
import io.midge.broker.session.AckOutcome;
import io.midge.broker.session.Session;
import io.midge.codec.MqttCodecException;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol of one connection, as a Netty handler: it follows the channel's life and hands each packet to the
 * part that handles it: {@link ConnectFlow} (CONNECT, AUTH before CONNACK), {@link InboundPublishes} (PUBLISH,
 * PUBREL), {@link SubscriptionRequests}, the session's outbound window (PUBACK, PUBREC, PUBCOMP) through
 * {@link OutboundPublishes}, and {@link Disconnector}, the one place that ends a connection. What differs between
 * 3.x and 5.0 is the {@link MqttDialect}'s.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    private final ConnectionContext c;
    /** Made at the first publish: a connection that only subscribes never writes to the store in order. */
    private StoreOrder store;
    private final OutboundPublishes outbound;
    /** CONNECT to CONNACK; null after, unless enhanced authentication may re-authenticate (see {@link #reauth}). */
    private ConnectFlow connect;
    /** The enhanced authentication of a connected client that has a method; null without one (most clients). */
    private EnhancedAuthFlow reauth;
    /** Made at the client's first PUBLISH: many clients only subscribe. */
    private InboundPublishes publishes;
    /** Packets sent before CONNACK (MQTT 5.0 section 3.1.4 allows it), handled once the session is open. */
    private List<MqttPacket> early;
    /** Whether the connection holds a place in the connection limits, to give back as it closes. */
    private boolean holdsPlace;
    private PublishThrottle throttle;

    // This connection's place in its loop's keep-alive list (see KeepAlives): a few fields instead of a timer. Until
    // CONNACK the same list holds its connect timeout (the period connect-timeout), which reads do not move on.
    KeepAlives.Line keepAliveLine;
    MqttConnection keepAlivePrev;
    MqttConnection keepAliveNext;
    long lastRead;
    /** A packet was read and the end of that read not seen yet (when the keep-alive period restarts). */
    private boolean readSinceComplete;

    public MqttConnection(BrokerContext broker, ListenerConfig listener, MqttFrameDecoder frameDecoder) {
        c = new ConnectionContext(broker, listener, frameDecoder);
        outbound = new OutboundPublishes(c);
        connect = new ConnectFlow(c, c.disconnector(), outbound, this::connected);
    }

    /**
     * Ends the connection from outside its packets (an administrator's kick, say, 0x98): on the connection's loop,
     * through {@link Disconnector}, the one place that ends a connection.
     */
    void disconnect(ReasonCode code, String reason) {
        c.disconnector().disconnect(code, reason);
    }

    /**
     * Closes every connection that came in through {@code listener} on the loops of {@code group} (a listener that
     * stops); the future completes once they are all closed. Each loop finds its connections in its keep-alive lists,
     * which hold every open connection, so that no set of connections is kept up at every connect and close.
     */
    public static CompletableFuture<Void> closeAll(EventLoopGroup group, ListenerConfig listener) {
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (EventExecutor loop : group) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            loops.add(closed);
            try {
                loop.execute(() -> {
                    List<MqttConnection> all = KeepAlives.watched(loop);
                    AtomicInteger left = new AtomicInteger(1);
                    for (MqttConnection connection : all) {
                        if (connection.c.listener == listener) {
                            left.incrementAndGet();
                            connection.c.ctx.channel().close().addListener(f -> {
                                if (left.decrementAndGet() == 0) {
                                    closed.complete(null);
                                }
                            });
                        }
                    }
                    if (left.decrementAndGet() == 0) {
                        closed.complete(null);
                    }
                });
            } catch (RejectedExecutionException e) {
                closed.complete(null); // the loop stopped: it closed its channels as it did
            }
        }
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new));
    }

    /** Bytes read from the socket for this connection; the transport's byte counter tells each read (on the loop). */
    public void bytesRead(long n) {
        c.countBytesIn(n);
    }

    /** Bytes written to the socket for this connection (on the loop). */
    public void bytesWritten(long n) {
        c.countBytesOut(n);
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        c.ctx = ctx;
        c.broker.metrics().connectionsAccepted.increment();
        String refusal = c.broker.limits().open(c.listener);
        holdsPlace = refusal == null;
        if (refusal != null) {
            connect.refuseAtConnect(refusal);
        }
        throttle = PublishThrottle.of(c.broker.config(), c.broker.metrics());
        // Closed unless connected within connect-timeout: in the loop's list for that period (see KeepAlives), which
        // costs no timer of its own (a scheduled task per connection was 1.4% of the loop's CPU per connection).
        KeepAlives.watch(this, ctx.executor(), c.broker.config().protocol().connectTimeoutSeconds() * 1_000_000_000L);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readSinceComplete = true;
        c.inRead = true;
        if (c.state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof MqttCodecException) {
            MqttCodecException e = (MqttCodecException) msg;
            (e.reasonCode() == ReasonCode.PACKET_TOO_LARGE ? c.broker.metrics().refusedPacketTooLarge
                    : c.broker.metrics().protocolViolations).increment();
            c.disconnector().disconnect(e.reasonCode(), e.getMessage());
            return;
        }
        MqttPacket packet = (MqttPacket) msg;
        if (c.state == State.AWAITING_CONNECT) {
            connect.onConnect((Connect) packet); // the decoder lets nothing but CONNECT through first
        } else if (c.state == State.CONNECTED && !(packet instanceof Connect)) {
            handle(packet);
        } else if (connect == null) {
            ReferenceCountUtil.release(packet); // connected: nothing but a CONNECT gets here
            c.disconnector().protocolError("MQTT-3.1.0-2: a second CONNECT");
        } else if (packet instanceof Auth && c.state == State.AUTHENTICATING && connect.enhancedAuth().inProgress()) {
            connect.enhancedAuth().onAuth((Auth) packet);
        } else if (connect.enhancedAuth().method() == null && !(packet instanceof Connect)
                && !(packet instanceof Auth)) {
            // A client need not wait for CONNACK: keep what it sends until the session is open, and read no more
            // meanwhile, so that this costs at most one read's worth of packets.
            c.reads().pause(ReadPauses.Reason.CONNECTING);
            if (early == null) {
                early = new ArrayList<>();
            }
            early.add(packet);
        } else {
            ReferenceCountUtil.release(packet);
            if (packet instanceof Connect) {
                c.disconnector().protocolError("MQTT-3.1.0-2: a second CONNECT");
            } else {
                // With enhanced authentication only AUTH may precede CONNACK (MQTT-3.1.2-30).
                c.disconnector().protocolError("MQTT-3.1.2-30: " + packet.type() + " before CONNACK");
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readSinceComplete) {
            readSinceComplete = false;
            if (c.state == State.CONNECTED) {
                KeepAlives.read(this); // before CONNACK packets do not put the connect timeout off
            }
        }
        c.inRead = false;
        c.flushIfWritten();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && c.session != null && c.state == State.CONNECTED) {
            c.session.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * One and a half keep-alive periods passed since the last packet: whether the silence is the client's, which ends
     * the connection ({@link #keepAliveTimedOut}), or ours, which it is forgiven and a new period starts: a packet
     * being read right now, or reading paused meanwhile (a throttle, a store behind).
     */
    boolean keepAliveExpired() {
        if (c.state == State.AWAITING_CONNECT || c.state == State.AUTHENTICATING) {
            return true; // the connect timeout: whatever was read, the connection is not open by now
        }
        if (c.state != State.CONNECTED) {
            return false; // opening its session (or closed already): not the client's silence
        }
        if (readSinceComplete) {
            return false;
        }
        return !c.readsPausedSinceLastAsked();
    }

    /** Ends a connection whose client was silent for 1.5 times its keep-alive (MQTT-3.1.2-22, MQTT-3.1.2-24). */
    void keepAliveTimedOut() {
        if (c.state == State.AWAITING_CONNECT || c.state == State.AUTHENTICATING) {
            log.debug("{}: no CONNECT within {} s, closing", c.ctx.channel().remoteAddress(),
                    c.broker.config().protocol().connectTimeoutSeconds());
            c.disconnector().close();
            return;
        }
        log.debug("Client '{}' sent nothing for 1.5 times its keep-alive: closing", c.clientId);
        c.disconnector().disconnect(ReasonCode.KEEP_ALIVE_TIMEOUT, "keep-alive timeout");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection of '{}' failed: {}", c.clientId, cause.toString());
        } else {
            log.warn("Unexpected error on the connection of '{}'", c.clientId, cause);
        }
        c.disconnector().close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        c.state = State.CLOSED;
        c.dropGathered();
        KeepAlives.unwatch(this);
        if (holdsPlace) {
            holdsPlace = false;
            c.broker.limits().close(c.listener);
        }
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (c.disconnectedNormally) {
            c.releaseWill();
        }
        Message willToSend = c.will;
        c.will = null;
        if (c.session != null) {
            Session s = c.session;
            long delay = c.willDelaySeconds;
            s.execute(() -> c.broker.sessions().closed(s, outbound, willToSend, delay));
        } else if (willToSend != null) {
            willToSend.payload().release();
        }
        ctx.fireChannelInactive();
    }

    // ------------------------------------------------------------------ after CONNACK

    /**
     * The session is open and CONNACK written: the keep-alive granted is watched from now (a keep-alive of 0 is
     * none), and what the client sent early is handled, in order.
     */
    private void connected(int keepAliveSeconds) {
        KeepAlives.unwatch(this); // the connect timeout
        // Closed after one and a half keep-alive periods without a packet (MQTT-3.1.2-22 / 3.1.2-24); without a
        // keep-alive, listed all the same (KeepAlives lists every open connection, for closeAll).
        KeepAlives.watch(this, c.ctx.executor(),
                keepAliveSeconds > 0 ? keepAliveSeconds * 1_500_000_000L : KeepAlives.NO_DEADLINE);
        // Not needed any more (an idle connection should not hold them for life): re-authentication only needs the
        // enhanced flow, and only when the client has a method.
        EnhancedAuthFlow enhanced = connect.enhancedAuth();
        reauth = enhanced.method() != null ? enhanced : null;
        connect = null;
        if (early == null) {
            return;
        }
        List<MqttPacket> pending = early;
        early = null;
        for (MqttPacket packet : pending) {
            if (c.state == State.CONNECTED) {
                handle(packet);
            } else {
                ReferenceCountUtil.release(packet);
            }
        }
        c.reads().resume(ReadPauses.Reason.CONNECTING);
    }

    private void handle(MqttPacket packet) {
        PacketType type = packet.type();
        switch (type) {
            case PUBLISH:
                publishes().onPublish((Publish) packet, throttle);
                break;
            case PUBACK:
                checkAck(c.session.onPubAck(((PubAck) packet).packetId()), (PubAck) packet);
                break;
            case PUBREC:
                onPubRec((PubRec) packet);
                break;
            case PUBREL:
                publishes().onPubRel((PubRel) packet);
                break;
            case PUBCOMP:
                checkAck(c.session.onPubComp(((PubComp) packet).packetId()), (PubComp) packet);
                break;
            case SUBSCRIBE:
                new SubscriptionRequests(c, store).onSubscribe((Subscribe) packet);
                break;
            case UNSUBSCRIBE:
                new SubscriptionRequests(c, store).onUnsubscribe((Unsubscribe) packet);
                break;
            case PINGREQ:
                c.write(PingResp.INSTANCE);
                break;
            case DISCONNECT:
                onDisconnect((Disconnect) packet);
                break;
            case AUTH:
                if (reauth != null) {
                    reauth.onAuth((Auth) packet);
                } else {
                    c.disconnector().protocolError(EnhancedAuthFlow.AUTH_WITHOUT_METHOD);
                }
                break;
            default:
                c.disconnector().protocolError("§2.1.2: unexpected " + type);
        }
    }

    private InboundPublishes publishes() {
        if (publishes == null) {
            if (store == null) {
                store = new StoreOrder(c);
            }
            publishes = new InboundPublishes(c, store, c.disconnector());
        }
        return publishes;
    }

    private void onPubRec(PubRec r) {
        AckOutcome ack = c.session.onPubRec(r.packetId(), r.reasonCode().isError());
        if (ack == AckOutcome.NOT_IN_FLIGHT && !r.reasonCode().isError()) {
            c.write(new PubRel(r.packetId(), c.dialect.unknownPacketIdentifier(), MqttProperties.EMPTY));
        }
        checkAck(ack, r);
    }

    /**
     * An acknowledgement of the wrong kind for an identifier in flight (PUBREC or PUBCOMP for a QoS 1 send, PUBACK or
     * PUBCOMP where PUBREC is due, PUBACK after PUBREL) breaks the QoS flow (MQTT 5.0 section 4.3; 3.1.1
     * MQTT-4.8.0-1): the connection ends rather than leave the send in flight for good.
     */
    private void checkAck(AckOutcome ack, PublishFlowPacket packet) {
        if (ack == AckOutcome.WRONG_KIND) {
            c.disconnector().protocolError("§4.3: " + packet.type() + " for packet identifier " + packet.packetId()
                    + ", whose send awaits another acknowledgement");
        }
    }

    private void onDisconnect(Disconnect d) {
        String violation = c.dialect.onDisconnect(d, c);
        if (violation != null) {
            c.disconnector().disconnect(ReasonCode.PROTOCOL_ERROR, violation);
            return;
        }
        if (d.reasonCode() != ReasonCode.DISCONNECT_WITH_WILL_MESSAGE) {
            c.disconnectedNormally = true; // the will is discarded (MQTT-3.14.4-3)
        }
        c.disconnector().close();
    }
}
