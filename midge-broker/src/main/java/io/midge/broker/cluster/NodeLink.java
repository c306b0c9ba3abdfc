package io.midge.broker.cluster;

import io.midge.broker.link.ClientFrames;
import io.midge.broker.link.ReadEndFlush;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.session.AckOutcome;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionConnection;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.function.Function;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection from this node to another node's link listener: what the forwarding queue of that node (a
 * persistent session, see {@link NodeQueues}) is attached to while it is up. It connects as the MQTT 5 client
 * {@code $cluster/from/<this node>} with a session that never expires, proves the secret
 * ({@link LinkAuthenticator}), and then carries the queue's PUBLISHes and PUBRELs out and the acknowledgements back:
 * the session's window does the rest (in flight, re-sends after a reconnect, QoS 2 in step with the store).
 *
 * <p>Threads: everything but {@link #connect} runs on the channel's loop, which is the session's once attached.
 */
final class NodeLink extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(NodeLink.class);
    /** The client identifiers links connect under: {@code $cluster/from/<node>}. */
    static final String LINK_PREFIX = NodeClientIds.PREFIX + "from/";
    private static final int KEEP_ALIVE_SECONDS = 30;
    /**
     * When the link stops taking the queue's sends (and starts again): far above a client's, since a link carries
     * hundreds of messages per flush in 16 KiB buffers. At Netty's 64 KiB four of them made it unwritable, and every
     * delivery that then waited in the queue was copied there ({@code OwnPayload}) before being encoded (7.7 % of
     * node 1's loop samples in pairs) and sent again when it became writable.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024);

    /** What the cluster hears of a link. */
    interface Events {
        /** Authenticated both ways; called on the link's loop. */
        void connected(NodeLink link, EventLoop loop);

        /** The link closed, or never opened; called on the link's loop. */
        void closed(NodeLink link);
    }

    final String node;
    final String address;
    private final Events events;
    private final BrokerMetrics metrics;
    private final int maxInflight;
    /** This node's side of the proof that both nodes know the cluster secret. */
    private final LinkClientProof proof;
    private Channel channel;
    /**
     * This handler's context: the queue's packets are written through it, straight to the encoder in front, rather
     * than through the channel, whose pipeline would be walked from its tail for each of them.
     */
    private ChannelHandlerContext context;
    private int receiveMaximum = 65_535;
    /** What the queue's deliveries go as, with the topic aliases set on this connection; made at CONNACK. */
    private LinkPublishes publishes;
    /** The queue's session once attached; owned by the link's loop. */
    private Session session;
    private boolean closedReported;
    /** The shared filter of a share group's identifier, for the queue's deliveries a group chose ({@link ShareIds}). */
    private IntFunction<String> sharedFilters = id -> null;
    /** The sends let out by a read of acknowledgements leave in one flush at the read's end. */
    private final ReadEndFlush flushes = new ReadEndFlush();
    /** Makes the link's TLS handler ({@code cluster.tls}); null for plain TCP. */
    private Function<ByteBufAllocator, ? extends ChannelHandler> tls;
    /** CONNACK came with the proof: the other node is who it says. */
    private volatile boolean authenticated;

    NodeLink(String node, String address, String localNode, LinkSecret secret, Events events, BrokerMetrics metrics,
             int maxInflight) {
        this.node = node;
        this.address = address;
        this.proof = new LinkClientProof(LINK_PREFIX + localNode, secret);
        this.events = events;
        this.metrics = metrics;
        this.maxInflight = maxInflight;
    }

    /** Where the link finds which group chose a delivery; set before {@link #connect}. */
    void sharedFilters(IntFunction<String> byId) {
        this.sharedFilters = byId;
    }

    /** TLS for this link (its handler goes first); null for none. Set before {@link #connect}. */
    void tls(Function<ByteBufAllocator, ? extends ChannelHandler> handlers) {
        this.tls = handlers;
    }

    /** Connects on one of the group's loops; failures are reported as {@link Events#closed}. */
    void connect(Bootstrap template) {
        int colon = address.lastIndexOf(':');
        InetSocketAddress remote = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        Bootstrap b = template.clone().option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.apply(ch.alloc()));
                        }
                        // The idle handler sits under the encoder, so that it watches the gathered buffers: above
                        // it, it would give every packet a promise with a listener, and nothing could be gathered.
                        ch.pipeline().addLast(
                                new ClientFrames.Decoder(MqttVersion.MQTT_5, "link to node '" + node + "'"),
                                new IdleStateHandler(0, KEEP_ALIVE_SECONDS / 2, 0),
                                new ClientFrames.Encoder(MqttVersion.MQTT_5), NodeLink.this);
                    }
                });
        b.connect(remote).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("Link to node '{}' at {} not opened: {}", node, address, f.cause().toString());
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                ch.eventLoop().execute(this::reportClosed);
            }
        });
    }

    void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /**
     * Sends a message for the other node itself (a session handover, see {@link SessionHandover}) at QoS 0, from any
     * thread, beside the queue's traffic; false when the link is not up (nothing is sent).
     */
    boolean sendControl(String topic, byte[] payload) {
        Channel ch = channel;
        if (ch == null || !ch.isActive() || !authenticated) {
            return false;
        }
        ch.eventLoop().execute(() -> ch.writeAndFlush(new Publish(topic, 0, false, false, 0, MqttProperties.EMPTY,
                Unpooled.wrappedBuffer(payload)), ch.voidPromise()));
        return true;
    }

    /** The queue's session, now attached to this link (on the link's loop). */
    void attached(Session s) {
        this.session = s;
    }

    Session session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        context = ctx;
        ctx.writeAndFlush(proof.connect(KEEP_ALIVE_SECONDS));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        flushes.reading();
        try {
            if (msg instanceof Auth auth) {
                onAuth(ctx, auth);
            } else if (msg instanceof ConnAck connAck) {
                onConnAck(connAck);
            } else if (msg instanceof PubAck ack) {
                acknowledged(session == null ? null : session.onPubAck(ack.packetId()), "PUBACK");
            } else if (msg instanceof PubRec rec) {
                acknowledged(session == null ? null : session.onPubRec(rec.packetId(), rec.reasonCode().isError()),
                        "PUBREC");
            } else if (msg instanceof PubComp comp) {
                acknowledged(session == null ? null : session.onPubComp(comp.packetId()), "PUBCOMP");
            } else if (msg instanceof Disconnect d) {
                log.info("Node '{}' closed the link: {}", node, d.reasonCode());
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushes.readComplete(ctx);
        ctx.fireChannelReadComplete();
    }

    private void onAuth(ChannelHandlerContext ctx, Auth auth) {
        Auth answer = proof.answer(auth);
        if (answer == null) {
            refused("an unexpected AUTH");
            return;
        }
        ctx.writeAndFlush(answer);
    }

    private void onConnAck(ConnAck connAck) {
        String refusal = proof.refusal(connAck);
        if (refusal != null) {
            refused(refusal);
            return;
        }
        receiveMaximum = (int) connAck.properties().number(PropertyId.RECEIVE_MAXIMUM, 65_535);
        publishes = new LinkPublishes((int) connAck.properties().number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0),
                sharedFilters);
        authenticated = true;
        events.connected(this, channel.eventLoop());
    }

    private void refused(String why) {
        log.warn("Link to node '{}' at {} refused: {}", node, address, why);
        channel.close();
    }

    private void acknowledged(AckOutcome ack, String what) {
        if (ack == AckOutcome.WRONG_KIND) {
            log.warn("Node '{}' sent a {} out of turn: link closed", node, what);
            channel.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.writeAndFlush(PingReq.INSTANCE);
        } else if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            if (handshake.cause() instanceof SSLException) {
                tlsFailed(handshake.cause());
            } else {
                log.debug("Link to node '{}': TLS handshake not completed: {}", node, handshake.cause().toString());
            }
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (session != null && ctx.channel().isWritable()) {
            session.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reportClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tlsFailure = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (tlsFailure instanceof SSLException) {
            tlsFailed(tlsFailure);
        } else {
            log.debug("Link to node '{}': {}", node, cause.toString());
        }
        ctx.close();
    }

    /** A certificate the other end does not trust (its alert says so), or one of its own this node does not. */
    private void tlsFailed(Throwable cause) {
        LinkTlsWarnings.failed(node, address, cause);
    }

    private void reportClosed() {
        if (!closedReported) {
            closedReported = true;
            events.closed(this);
        }
    }

    // ------------------------------------------------------------------ what the queue's session sees

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public boolean sendPublish(Delivery delivery, int packetId, boolean dup) {
        if (!dup && !LinkPublishes.isSyncEnd(delivery)) {
            metrics.forwardedToNodes.increment();
        }
        Publish publish = publishes.of(delivery, packetId, dup);
        context.write(publish, context.voidPromise());
        publishes.sent(publish);
        return true;
    }

    @Override
    public void sendPubRel(int packetId) {
        context.write(new PubRel(packetId), context.voidPromise());
    }

    @Override
    public boolean mayReceive(String topic) {
        return true; // the publisher's node checked the ACL; the receiving node checks its subscribers'
    }

    @Override
    public int sendQuota() {
        return Math.min(receiveMaximum, maxInflight);
    }

    @Override
    public void flush() {
        flushes.flush(channel);
    }

    @Override
    public void takenOver() {
        channel.close();
    }

    @Override
    public String toString() {
        return "link to " + node + " at " + address;
    }
}
