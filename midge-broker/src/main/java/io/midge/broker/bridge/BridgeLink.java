package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.session.AckOutcome;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionConnection;
import io.midge.broker.link.ReadEndFlush;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a bridge to the remote broker, as an MQTT client of the bridge's version: CONNECT, SUBSCRIBE
 * to the {@code in} rules' remote filters (No Local in 5.0), then the outbound queue's session is attached to it
 * ({@link SessionConnection}) and sends PUBLISHes whose acknowledgements free them, while {@link BridgeInbound}
 * publishes what the remote sends here. The queue's window does the rest: in flight, re-sends after a reconnect,
 * QoS 2 in step with the store.
 *
 * <p>Threads: everything runs on the channel's loop, which is the queue session's once attached.
 */
final class BridgeLink extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(BridgeLink.class);
    /** 3.1.1 has no Receive Maximum: this many unacknowledged publishes at most towards such a remote. */
    static final int V3_SEND_QUOTA = 100;

    /** What the bridge hears of its link. */
    interface Events {
        /** CONNACK accepted and subscriptions sent; on the link's loop. */
        void connected(BridgeLink link);

        /** The remote refused the connection, or the link failed: {@code why} is worded for the log. */
        void failed(BridgeLink link, String why);

        /** The link closed, or never opened; once per link, on its loop. */
        void closed(BridgeLink link);
    }

    private final BridgeConfig config;
    private final TopicRules rules;
    private final Events events;
    private final BridgeInbound inbound;
    private final BridgeCounters counters;
    private final int maxInflight;
    private final MqttVersion version;
    private Channel channel;
    private int receiveMaximum;
    private long maximumPacketSize = Long.MAX_VALUE;
    private boolean connAckSeen;
    private Session session;
    private boolean closedReported;
    private int nextSubscribeId = 1;
    /** Whether this is the bridge's first link since it started: its subscriptions may be new to the remote. */
    private final boolean first;
    /**
     * A drain link: it only sends what a cluster node's queue kept from when that node ran the bridge (another node
     * runs it now, under the configured client identifier), so it connects under its own, with a clean start, and
     * subscribes to nothing.
     */
    private final boolean drain;
    private final RemoteSilence silence = new RemoteSilence();
    /** The sends let out by a read of acknowledgements leave in one flush at the read's end. */
    private final ReadEndFlush flushes = new ReadEndFlush();

    BridgeLink(BridgeConfig config, TopicRules rules, Events events, BridgeInbound inbound, BridgeCounters counters,
               int maxInflight, boolean first, boolean drain) {
        this.first = first;
        this.drain = drain;
        this.config = config;
        this.rules = rules;
        this.events = events;
        this.inbound = inbound;
        this.counters = counters;
        this.maxInflight = maxInflight;
        this.version = MqttVersion.ofLevel(config.version());
        this.receiveMaximum = version == MqttVersion.MQTT_5 ? 65_535 : V3_SEND_QUOTA;
    }

    BridgeConfig config() {
        return config;
    }

    Channel channel() {
        return channel;
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

    /** The queue's session, attached to this link (on its loop); null while it is not. */
    void attached(Session s) {
        this.session = s;
    }

    Session session() {
        return session;
    }

    /** The connection failed before it opened (unreachable, TLS context). */
    void notOpened(String why) {
        events.failed(this, why);
        reportClosed();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!config.transport().isWebSocket()) {
            sendConnect(ctx);
        }
        ctx.fireChannelActive();
    }

    /** The client identifier of a drain link (see {@link #drain}). */
    static String drainClientId(BridgeConfig config) {
        return config.clientId() + "-drain";
    }

    private void sendConnect(ChannelHandlerContext ctx) {
        MqttProperties props = MqttProperties.EMPTY;
        if (version == MqttVersion.MQTT_5) {
            props = MqttProperties.builder()
                    .add(PropertyId.SESSION_EXPIRY_INTERVAL, drain ? 0 : config.sessionExpiry())
                    .add(PropertyId.RECEIVE_MAXIMUM, 65_535)
                    .build();
        }
        Binary password = config.password() == null ? null
                : Binary.of(config.password().getBytes(StandardCharsets.UTF_8));
        ctx.writeAndFlush(new Connect(version, drain ? drainClientId(config) : config.clientId(),
                drain || config.cleanStart(), config.keepAlive(), config.username(), password, null, props));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        flushes.reading();
        try {
            if (msg instanceof Publish publish) {
                if (connAckSeen) {
                    inbound.onPublish(publish, channel);
                }
            } else if (msg instanceof PubRel rel) {
                inbound.onPubRel(rel.packetId(), channel);
            } else if (msg instanceof PubAck ack) {
                acknowledged(session == null ? null : session.onPubAck(ack.packetId()), "PUBACK");
            } else if (msg instanceof PubRec rec) {
                acknowledged(session == null ? null : session.onPubRec(rec.packetId(), rec.reasonCode().isError()),
                        "PUBREC");
            } else if (msg instanceof PubComp comp) {
                acknowledged(session == null ? null : session.onPubComp(comp.packetId()), "PUBCOMP");
            } else if (msg instanceof ConnAck connAck) {
                onConnAck(ctx, connAck);
            } else if (msg instanceof SubAck subAck) {
                onSubAck(subAck);
            } else if (msg instanceof Disconnect d) {
                events.failed(this, "the remote disconnected: " + d.reasonCode()
                        + reasonString(d.properties()));
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        silence.heard();
        flushes.readComplete(ctx);
        ctx.fireChannelReadComplete();
    }

    private void onConnAck(ChannelHandlerContext ctx, ConnAck connAck) {
        if (connAck.reasonCode() != ReasonCode.SUCCESS) {
            events.failed(this, "the remote refused the connection: " + connAck.reasonCode()
                    + reasonString(connAck.properties()));
            ctx.close();
            return;
        }
        connAckSeen = true;
        if (!connAck.sessionPresent()) {
            inbound.remoteSessionGone();
        }
        if (version == MqttVersion.MQTT_5) {
            receiveMaximum = (int) connAck.properties().number(PropertyId.RECEIVE_MAXIMUM, 65_535);
            maximumPacketSize = connAck.properties().number(PropertyId.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE);
        }
        List<Subscription> subs = new ArrayList<>();
        // A 3.1.1 remote sends the retained messages again at every SUBSCRIBE: a session it kept keeps the
        // subscriptions too, so they are sent again only on the bridge's first link (its rules may have changed).
        boolean subscribe = !drain && (first || !connAck.sessionPresent() || version == MqttVersion.MQTT_5);
        for (BridgeConfig.TopicRule rule : subscribe ? rules.inbound() : List.<BridgeConfig.TopicRule>of()) {
            // No Local: what this bridge publishes there does not come back (MQTT-3.8.3-3); Retain As Published:
            // retained messages stay retained here; Retain Handling 1: retained messages only for a subscription
            // new to the session, not again at every reconnect.
            subs.add(version == MqttVersion.MQTT_5
                    ? new Subscription(rule.remoteFilter(), rule.qos(), true, true, 1)
                    : new Subscription(rule.remoteFilter(), rule.qos()));
        }
        if (!subs.isEmpty()) {
            ctx.writeAndFlush(new Subscribe(nextSubscribeId++, subs, MqttProperties.EMPTY));
        }
        events.connected(this);
    }

    private void onSubAck(SubAck subAck) {
        List<BridgeConfig.TopicRule> in = rules.inbound();
        for (int i = 0; i < subAck.reasonCodes().size() && i < in.size(); i++) {
            ReasonCode code = subAck.reasonCodes().get(i);
            if (code.isError()) {
                events.failed(this, "the remote refused the subscription to '" + in.get(i).remoteFilter() + "': "
                        + code);
            }
        }
    }

    private static String reasonString(MqttProperties props) {
        String reason = props.string(PropertyId.REASON_STRING);
        return reason == null ? "" : " (" + reason + ")";
    }

    private void acknowledged(AckOutcome ack, String what) {
        if (ack == AckOutcome.WRONG_KIND) {
            events.failed(this, "the remote sent a " + what + " out of turn");
            channel.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            switch (silence.onIdle(idle)) {
                case PING -> ctx.writeAndFlush(PingReq.INSTANCE);
                case GIVE_UP -> {
                    events.failed(this, "the remote did not answer within the keep-alive");
                    ctx.close();
                }
                case NOTHING -> { }
            }
        } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            sendConnect(ctx);
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
        events.failed(this, describe(cause));
        ctx.close();
    }

    /** A failure as the log says it: the root cause's message (TLS, refused connection), not a stack. */
    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == cause ? message : cause.getClass().getSimpleName() + ": " + message;
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
        Message m = delivery.message();
        String remoteTopic = rules.toRemote(m.topic());
        if (remoteTopic == null) {
            // No out rule matches any more (changed by a reload while it was queued): it does not leave.
            delivery.release();
            return false;
        }
        MqttProperties props = MqttProperties.EMPTY;
        if (version == MqttVersion.MQTT_5) {
            props = m.properties();
            long expiry = m.remainingExpirySeconds();
            if (expiry >= 0) {
                // The remote counts the rest of the Message Expiry Interval from its arrival (MQTT-3.3.2-6).
                props = props.toBuilder().set(PropertyId.MESSAGE_EXPIRY_INTERVAL, expiry).build();
            }
        }
        Publish publish = new Publish(remoteTopic, delivery.qos(), delivery.retain(), dup,
                delivery.qos() == 0 ? 0 : packetId, props, m.payload());
        if (maximumPacketSize != Long.MAX_VALUE && MqttEncoder.encodedSize(publish, version) > maximumPacketSize) {
            log.warn("Bridge '{}': a message on '{}' is larger than the remote's Maximum Packet Size ({} bytes): "
                    + "dropped", config.name(), m.topic(), maximumPacketSize);
            counters.tooLarge.increment();
            delivery.release();
            return false;
        }
        if (!dup) {
            counters.sent.increment();
        }
        if (config.version() == 4) {
            inbound.sentOut(remoteTopic, m.payload());
        }
        channel.write(publish, channel.voidPromise());
        return true;
    }

    @Override
    public void sendPubRel(int packetId) {
        channel.write(new PubRel(packetId), channel.voidPromise());
    }

    @Override
    public boolean mayReceive(String topic) {
        return true; // the local publisher's rights were checked as it published; the remote checks this bridge's
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
        return "bridge '" + config.name() + "' to " + config.address();
    }
}
