package io.midge.client;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One network connection to the broker, and the only code that reads and writes packets. It sends CONNECT (once the
 * TCP, TLS or WebSocket handshake is through), runs the enhanced-authentication exchange, waits for CONNACK, then
 * passes the publish flow to the {@link ClientSession} and keeps the connection alive with PINGREQ. Topic aliases
 * live here, as they live and die with a connection. Confined to the channel's event loop.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    /** What a connection reports to its client; called on the event loop. */
    interface Events {
        void connected(ClientConnection connection, ConnectResult result);

        void closed(ClientConnection connection, Throwable cause, boolean wasConnected);
    }

    private final ClientOptions options;
    private final ClientSession session;
    private final Events events;
    private final boolean cleanStart;
    private ChannelHandlerContext ctx;
    private volatile boolean connected;
    private boolean connectSent;
    private Throwable cause;
    private ScheduledFuture<?> connackTimeout;
    private TopicAliasSender aliases = new TopicAliasSender(0);
    private final Map<Integer, String> inboundAliases = new HashMap<>();
    private long serverMaximumPacketSize;
    private boolean closing;
    private ScheduledFuture<?> keepAliveTimer;
    private long lastRead;
    private long lastWrite;

    ClientConnection(ClientOptions options, ClientSession session, Events events, boolean cleanStart) {
        this.options = options;
        this.session = session;
        this.events = events;
        this.cleanStart = cleanStart;
    }

    MqttVersion version() {
        return options.version();
    }

    Channel channel() {
        return ctx.channel();
    }

    boolean isConnected() {
        return connected && ctx.channel().isActive();
    }

    boolean isWritable() {
        return ctx.channel().isWritable();
    }

    // ---- writing ------------------------------------------------------------------------------------------

    /** Writes a packet without flushing. */
    void write(MqttPacket packet) {
        ctx.write(MqttEncoder.encode(ctx.alloc(), packet, options.version()), ctx.voidPromise());
    }

    void flush() {
        lastWrite = System.nanoTime();
        ctx.flush();
    }

    /**
     * Writes a PUBLISH (without flushing), with a topic alias when the broker allows them; false, writing nothing,
     * when the packet would be larger than the broker's Maximum Packet Size.
     */
    boolean writePublish(OutgoingMessage message, int packetId, boolean dup) {
        ByteBuf payload = Unpooled.wrappedBuffer(message.payload());
        MqttProperties properties = options.version().isV5() ? message.properties() : MqttProperties.EMPTY;
        TopicAliasSender.Choice choice = aliases.choose(message.topic());
        if (choice.alias() != 0) {
            properties = properties.isEmpty() ? aliases.aliasOnly(choice.alias())
                    : properties.toBuilder().set(PropertyId.TOPIC_ALIAS, (long) choice.alias()).build();
        }
        Publish publish = new Publish(choice.topic(), message.qos(), message.retain(), dup, packetId, properties,
                payload);
        if (serverMaximumPacketSize > 0 && mayExceedMaximum(message, properties)
                && MqttEncoder.encodedSize(publish, options.version()) > serverMaximumPacketSize) {
            aliases.undo(choice);
            publish.release();
            return false;
        }
        try {
            ctx.write(MqttEncoder.encode(ctx.alloc(), publish, options.version()), ctx.voidPromise());
        } finally {
            publish.release();
        }
        return true;
    }

    /**
     * Whether the packet could be over the broker's maximum: a bound that is cheap to compute (a UTF-8 character takes
     * at most three bytes; the fixed header, packet identifier and an alias at most 12), so that the exact size is
     * computed only for packets near the limit or with properties.
     */
    private boolean mayExceedMaximum(OutgoingMessage message, MqttProperties properties) {
        if (properties.size() > 1 || properties.size() == 1 && !properties.contains(PropertyId.TOPIC_ALIAS)) {
            return true;
        }
        long bound = 16L + 3L * message.topic().length() + message.payload().length;
        return bound > serverMaximumPacketSize;
    }

    /** The broker's Maximum Packet Size (0: none). */
    long serverMaximumPacketSize() {
        return serverMaximumPacketSize;
    }

    /** Sends DISCONNECT and closes the connection. */
    void disconnect(ReasonCode reason, MqttProperties properties) {
        if (closing) {
            return;
        }
        closing = true;
        if (connected) {
            ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(), new Disconnect(reason, properties), options.version()))
                    .addListener(f -> ctx.close());
        } else {
            ctx.close();
        }
    }

    /** Starts a re-authentication (MQTT 5.0, with an enhanced authenticator). */
    void reauthenticate() {
        EnhancedAuthenticator auth = options.authenticator();
        ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(),
                new Auth(ReasonCode.REAUTHENTICATE, authProperties(auth.initialData())), options.version()));
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long timeout = options.connectTimeout().toMillis();
        connackTimeout = ctx.executor().schedule(() -> {
            if (!connected) {
                fail(new MqttClientException("no CONNACK within " + timeout + " ms"));
            }
        }, timeout, TimeUnit.MILLISECONDS);
        if (options.webSocketPath() == null) {
            sendConnect();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            sendConnect();
        } else if (evt instanceof SslHandshakeCompletionEvent ssl && !ssl.isSuccess()) {
            fail(new MqttClientException("TLS handshake failed: " + message(ssl.cause()), ssl.cause()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void sendConnect() {
        if (connectSent) {
            return;
        }
        connectSent = true;
        MqttVersion version = options.version();
        MqttProperties.Builder props = MqttProperties.builder();
        if (version.isV5()) {
            if (options.sessionExpiryInterval() > 0) {
                props.set(PropertyId.SESSION_EXPIRY_INTERVAL, options.sessionExpiryInterval());
            }
            if (options.receiveMaximum() != 65535) {
                props.set(PropertyId.RECEIVE_MAXIMUM, (long) options.receiveMaximum());
            }
            if (options.maximumPacketSize() > 0) {
                props.set(PropertyId.MAXIMUM_PACKET_SIZE, (long) options.maximumPacketSize());
            }
            if (options.topicAliasMaximum() > 0) {
                props.set(PropertyId.TOPIC_ALIAS_MAXIMUM, (long) options.topicAliasMaximum());
            }
            EnhancedAuthenticator auth = options.authenticator();
            if (auth != null) {
                props.set(PropertyId.AUTHENTICATION_METHOD, auth.method());
                byte[] data = auth.initialData();
                if (data != null) {
                    props.set(PropertyId.AUTHENTICATION_DATA, Binary.of(data));
                }
            }
            for (MqttProperties.Property p : options.connectUserProperties().asList()) {
                props.add(p);
            }
        }
        Will will = null;
        OutgoingMessage w = options.will();
        if (w != null) {
            MqttProperties willProps = version.isV5() ? w.properties() : MqttProperties.EMPTY;
            if (version.isV5() && options.willDelayInterval() > 0) {
                willProps = willProps.toBuilder().set(PropertyId.WILL_DELAY_INTERVAL, options.willDelayInterval())
                        .build();
            }
            will = new Will(w.topic(), Binary.of(w.payload()), w.qos(), w.retain(), willProps);
        }
        Binary password = options.password() == null ? null : Binary.of(options.password());
        Connect connect = new Connect(version, options.clientId(), cleanStart, options.keepAliveSeconds(),
                options.username(), password, will, props.build());
        ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(), connect, version));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = System.nanoTime();
        switch (msg) {
            case MqttCodecException e -> {
                cause = new MqttClientException("the broker sent a bad packet: " + e.getMessage(), e);
                disconnect(e.reasonCode().allowedIn(io.midge.codec.protocol.PacketType.DISCONNECT) ? e.reasonCode()
                        : ReasonCode.PROTOCOL_ERROR, MqttProperties.EMPTY);
            }
            case ConnAck connAck -> onConnAck(connAck);
            case Auth auth -> onAuth(auth);
            case Publish publish -> onPublish(publish);
            case PublishFlowPacket ack when connected -> session.onAck(this, ack);
            case SubAck subAck when connected -> session.onSubAck(subAck);
            case UnsubAck unsubAck when connected -> session.onUnsubAck(unsubAck);
            case PingResp ignored -> {
            }
            case Disconnect disconnect -> {
                cause = new MqttClientException("disconnected by the broker", disconnect.reasonCode(),
                        disconnect.properties().string(PropertyId.REASON_STRING));
                closing = true;
                ctx.close();
            }
            case MqttPacket other -> protocolError("unexpected " + other.type() + (connected ? "" : " before CONNACK"));
            default -> ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (connected) {
            session.pump(this);
        }
        flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (connected && ctx.channel().isWritable()) {
            session.pump(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void onConnAck(ConnAck connAck) {
        if (connected) {
            protocolError("a second CONNACK");
            return;
        }
        MqttProperties p = connAck.properties();
        if (connAck.reasonCode().isError()) {
            fail(new MqttClientException("connection refused", connAck.reasonCode(),
                    p.string(PropertyId.REASON_STRING)));
            return;
        }
        connackTimeout.cancel(false);
        connected = true;
        if (options.authenticator() != null) {
            Binary data = p.binary(PropertyId.AUTHENTICATION_DATA);
            options.authenticator().succeeded(data == null ? null : data.toByteArray());
        }
        ConnectResult result = ConnectResult.of(options.version(), connAck.sessionPresent(), p,
                options.keepAliveSeconds());
        serverMaximumPacketSize = result.maximumPacketSize();
        aliases = new TopicAliasSender(options.useTopicAliases() ? result.topicAliasMaximum() : 0);
        int keepAlive = result.keepAlive();
        if (keepAlive > 0) {
            startKeepAlive(keepAlive);
        }
        events.connected(this, result);
    }

    /**
     * Sends PINGREQ when nothing was written for a keep-alive period, and gives the connection up when nothing was
     * read for one and a half. A timer checks a few times per period: cheaper on the publish path than an idle
     * handler, which would add a listener to every write.
     */
    private void startKeepAlive(int seconds) {
        long period = TimeUnit.SECONDS.toNanos(seconds);
        long check = Math.max(TimeUnit.MILLISECONDS.toNanos(250), period / 4);
        lastRead = lastWrite = System.nanoTime();
        keepAliveTimer = ctx.executor().scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            if (now - lastRead > period + period / 2) {
                fail(new MqttClientException("keep-alive timeout: nothing from the broker for "
                        + (seconds * 3 / 2) + " s"));
            } else if (now - lastWrite >= period - check) {
                write(PingReq.INSTANCE);
                flush();
            }
        }, check, check, TimeUnit.NANOSECONDS);
    }

    private void onAuth(Auth auth) {
        EnhancedAuthenticator authenticator = options.authenticator();
        if (authenticator == null) {
            protocolError("AUTH without an authentication method");
            return;
        }
        Binary data = auth.properties().binary(PropertyId.AUTHENTICATION_DATA);
        byte[] serverData = data == null ? null : data.toByteArray();
        if (auth.reasonCode() == ReasonCode.CONTINUE_AUTHENTICATION) {
            byte[] answer;
            try {
                answer = authenticator.challenge(serverData);
            } catch (RuntimeException e) {
                fail(e instanceof MqttClientException ? e
                        : new MqttClientException("authentication failed: " + e.getMessage(), e));
                return;
            }
            ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(),
                    new Auth(ReasonCode.CONTINUE_AUTHENTICATION, authProperties(answer)), options.version()));
        } else if (auth.reasonCode() == ReasonCode.SUCCESS && connected) {
            authenticator.succeeded(serverData);
            session.reauthenticated();
        } else {
            protocolError("AUTH " + MqttClientException.describe(auth.reasonCode()));
        }
    }

    private MqttProperties authProperties(byte[] data) {
        MqttProperties.Builder b = MqttProperties.builder()
                .set(PropertyId.AUTHENTICATION_METHOD, options.authenticator().method());
        if (data != null) {
            b.set(PropertyId.AUTHENTICATION_DATA, Binary.of(data));
        }
        return b.build();
    }

    private void onPublish(Publish publish) {
        try {
            if (!connected) {
                protocolError("PUBLISH before CONNACK");
                return;
            }
            String topic = publish.topic();
            long alias = publish.properties().number(PropertyId.TOPIC_ALIAS, 0);
            if (alias != 0) {
                if (alias > options.topicAliasMaximum()) {
                    cause = new MqttClientException("the broker used topic alias " + alias + " above our maximum");
                    disconnect(ReasonCode.TOPIC_ALIAS_INVALID, MqttProperties.EMPTY);
                    return;
                }
                if (topic.isEmpty()) {
                    topic = inboundAliases.get((int) alias);
                    if (topic == null) {
                        cause = new MqttClientException("the broker used unknown topic alias " + alias);
                        disconnect(ReasonCode.PROTOCOL_ERROR, MqttProperties.EMPTY);
                        return;
                    }
                } else {
                    inboundAliases.put((int) alias, topic);
                }
            }
            session.onPublish(this, publish, topic);
        } finally {
            publish.release();
        }
    }

    private void protocolError(String what) {
        cause = new MqttClientException("protocol error: " + what);
        disconnect(ReasonCode.PROTOCOL_ERROR, MqttProperties.EMPTY);
    }

    /** Ends the attempt or the connection with this cause. */
    void fail(Throwable failure) {
        if (cause == null) {
            cause = failure;
        }
        closing = true;
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
        Throwable root = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
        if (root instanceof SSLException) {
            fail(new MqttClientException("TLS handshake failed: " + message(root), root));
        } else {
            fail(new MqttClientException("connection failed: " + message(root), root));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connackTimeout != null) {
            connackTimeout.cancel(false);
        }
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel(false);
        }
        Throwable why = cause != null ? cause
                : new MqttClientException(connected ? "connection lost" : "connection closed before CONNACK");
        events.closed(this, why, connected);
        connected = false;
        ctx.fireChannelInactive();
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
