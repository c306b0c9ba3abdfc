package io.midge.client;

import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttEncoder;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.alias.InboundTopicAliases;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.PublishFlowPacket;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One network connection to the broker, and the only code that reads and writes packets. It sends CONNECT (once the
 * TCP, TLS or WebSocket handshake is through), runs the enhanced-authentication exchange, waits for CONNACK, then
 * passes what it reads to the {@link ClientSession} and keeps the connection alive. Topic aliases and the broker's
 * limits live here (in its {@link PublishWriter} and {@link InboundTopicAliases}), as they live and die with a
 * connection. Confined to the channel's event loop.
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
    private final AuthExchange auth;
    private final InboundTopicAliases inboundAliases;
    private final KeepAliveTimer keepAlive = new KeepAliveTimer();
    private ChannelHandlerContext ctx;
    private volatile boolean connected;
    private boolean connectSent;
    private boolean closing;
    private Throwable cause;
    private ScheduledFuture<?> connackTimeout;
    private PublishWriter publishWriter;
    /** Whether packets were written since the last flush: only those count as traffic for the keep-alive. */
    private boolean unflushed;

    ClientConnection(ClientOptions options, ClientSession session, Events events, boolean cleanStart) {
        this.options = options;
        this.session = session;
        this.events = events;
        this.cleanStart = cleanStart;
        this.auth = options.authenticator() == null ? null : new AuthExchange(options.authenticator());
        this.inboundAliases = InboundTopicAliases.inClient(options.topicAliasMaximum());
        this.publishWriter = new PublishWriter(options.version(), 0, 0);
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
        unflushed = true;
    }

    /**
     * Flushes. A flush with nothing written (as after every read) does not count as traffic: a client that only
     * receives must still send PINGREQ, or the broker, which hears nothing from it, closes the connection.
     */
    void flush() {
        if (unflushed) {
            unflushed = false;
            keepAlive.wrote();
        }
        ctx.flush();
    }

    /**
     * Writes a PUBLISH (without flushing), with a topic alias when the broker allows them; false, writing nothing,
     * when the packet would be larger than the broker's Maximum Packet Size.
     */
    boolean writePublish(OutgoingMessage message, int packetId, boolean dup) {
        ByteBuf encoded = publishWriter.encode(ctx.alloc(), message, packetId, dup);
        if (encoded == null) {
            return false;
        }
        ctx.write(encoded, ctx.voidPromise());
        unflushed = true;
        return true;
    }

    /** The broker's Maximum Packet Size (0: none). */
    long serverMaximumPacketSize() {
        return publishWriter.serverMaximumPacketSize();
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
        ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(), auth.reauthentication(), options.version()));
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
                fail(new MqttClientException(MqttClientException.Kind.TIMEOUT,
                        "no CONNACK within " + timeout + " ms"));
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
        } else if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
            Throwable failure = ((SslHandshakeCompletionEvent) evt).cause();
            fail(new MqttClientException(MqttClientException.Kind.TLS,
                    "TLS handshake failed: " + message(failure), failure));
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void sendConnect() {
        if (connectSent) {
            return;
        }
        connectSent = true;
        ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(), ConnectPacketBuilder.build(options, cleanStart),
                options.version()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        keepAlive.read();
        if (msg instanceof MqttCodecException) {
            MqttCodecException e = (MqttCodecException) msg;
            cause = new MqttClientException(MqttClientException.Kind.PROTOCOL,
                    "the broker sent a bad packet: " + e.getMessage(), e);
            disconnect(e.reasonCode().allowedIn(PacketType.DISCONNECT) ? e.reasonCode() : ReasonCode.PROTOCOL_ERROR,
                    MqttProperties.EMPTY);
        } else if (msg instanceof MqttPacket) {
            onPacket((MqttPacket) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onPacket(MqttPacket packet) {
        switch (packet.type()) {
            case CONNACK -> onConnAck((ConnAck) packet);
            case AUTH -> onAuth((Auth) packet);
            case PUBLISH -> onPublish((Publish) packet);
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> {
                if (connected) {
                    session.onAck(this, (PublishFlowPacket) packet);
                } else {
                    unexpected(packet);
                }
            }
            case SUBACK -> {
                if (connected) {
                    session.onSubAck((SubAck) packet);
                } else {
                    unexpected(packet);
                }
            }
            case UNSUBACK -> {
                if (connected) {
                    session.onUnsubAck((UnsubAck) packet);
                } else {
                    unexpected(packet);
                }
            }
            case PINGRESP -> {
                // Its arrival is what counts: the keep-alive timer saw the read.
            }
            case DISCONNECT -> {
                Disconnect disconnect = (Disconnect) packet;
                cause = new MqttClientException(MqttClientException.Kind.DISCONNECTED_BY_BROKER,
                        "disconnected by the broker", disconnect.reasonCode(),
                        disconnect.properties().string(PropertyId.REASON_STRING));
                closing = true;
                ctx.close();
            }
            default -> unexpected(packet);
        }
    }

    private void unexpected(MqttPacket packet) {
        protocolError("unexpected " + packet.type() + (connected ? "" : " before CONNACK"));
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
            fail(new MqttClientException(MqttClientException.Kind.CONNECT_REFUSED, "connection refused",
                    connAck.reasonCode(), p.string(PropertyId.REASON_STRING)));
            return;
        }
        connackTimeout.cancel(false);
        connected = true;
        if (auth != null) {
            auth.succeeded(p);
        }
        ConnectResult result = ConnectResult.of(options.version(), connAck.sessionPresent(), p,
                options.keepAliveSeconds());
        publishWriter = new PublishWriter(options.version(),
                options.useTopicAliases() ? result.topicAliasMaximum() : 0, result.maximumPacketSize());
        if (result.keepAlive() > 0) {
            keepAlive.start(ctx.executor(), result.keepAlive(), this::ping, this::fail);
        }
        events.connected(this, result);
    }

    private void ping() {
        write(PingReq.INSTANCE);
        flush();
    }

    private void onAuth(Auth packet) {
        if (auth == null) {
            protocolError("AUTH without an authentication method");
        } else if (packet.reasonCode() == ReasonCode.CONTINUE_AUTHENTICATION) {
            Auth answer;
            try {
                answer = auth.answer(packet);
            } catch (MqttClientException e) {
                fail(e);
                return;
            }
            ctx.writeAndFlush(MqttEncoder.encode(ctx.alloc(), answer, options.version()));
        } else if (packet.reasonCode() == ReasonCode.SUCCESS && connected) {
            auth.succeeded(packet.properties());
            session.reauthenticated();
        } else {
            protocolError("AUTH " + MqttClientException.describe(packet.reasonCode()));
        }
    }

    private void onPublish(Publish publish) {
        try {
            if (!connected) {
                protocolError("PUBLISH before CONNACK");
                return;
            }
            String topic = publish.topic();
            if (publish.properties().contains(PropertyId.TOPIC_ALIAS)) {
                int alias = (int) publish.properties().number(PropertyId.TOPIC_ALIAS, 0);
                try {
                    topic = inboundAliases.resolve(topic, alias);
                } catch (MqttCodecException e) {
                    cause = new MqttClientException(MqttClientException.Kind.PROTOCOL,
                            "bad topic alias from the broker: " + e.getMessage(), e);
                    disconnect(e.reasonCode(), MqttProperties.EMPTY);
                    return;
                }
            }
            session.onPublish(this, publish, topic);
        } finally {
            publish.release();
        }
    }

    private void protocolError(String what) {
        cause = new MqttClientException(MqttClientException.Kind.PROTOCOL, "protocol error: " + what);
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
            fail(new MqttClientException(MqttClientException.Kind.TLS, "TLS handshake failed: " + message(root),
                    root));
        } else {
            fail(new MqttClientException(MqttClientException.Kind.CONNECTION_LOST,
                    "connection failed: " + message(root), root));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connackTimeout != null) {
            connackTimeout.cancel(false);
        }
        keepAlive.stop();
        Throwable why = cause != null ? cause : new MqttClientException(MqttClientException.Kind.CONNECTION_LOST,
                connected ? "connection lost" : "connection closed before CONNACK");
        events.closed(this, why, connected);
        connected = false;
        ctx.fireChannelInactive();
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
