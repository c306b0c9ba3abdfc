package io.midge.broker.protocol;

import io.midge.broker.BrokerContext;
import io.midge.broker.Router;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoreOverloadedException;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.security.PasswordAuthenticator;
import io.midge.broker.session.Delivery;
import io.midge.broker.session.Message;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionConnection;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.transport.TransportIdentity;
import io.midge.codec.Binary;
import io.midge.codec.MqttCodecException;
import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.MqttVersion;
import io.midge.codec.PacketType;
import io.midge.codec.ReasonCode;
import io.midge.codec.Topics;
import io.midge.codec.Utf8;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol of one connection: the only code that reads and writes packets. It checks that packets come in an
 * allowed order (CONNECT first and once, packet identifiers, topic aliases, receive maximum), turns publishes into
 * messages for the router and deliveries into publishes, and is the one place that ends a connection with a reason
 * code: {@link #disconnect}.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    private enum State { AWAITING_CONNECT, AUTHENTICATING, CONNECTING, CONNECTED, CLOSED }

    private final BrokerContext broker;
    private final BrokerConfig config;
    /** The listener this client came in through: its transport and who it lets in. */
    private final ListenerConfig listener;
    /** What this client may do with topics; {@link Authorizer#ALLOW_ALL} (no checks at all) without an ACL file. */
    private final Authorizer authorizer;
    private final MqttPacketEncoder encoder;
    private final MqttFrameDecoder frameDecoder;
    private ChannelHandlerContext ctx;
    private State state = State.AWAITING_CONNECT;
    private ScheduledFuture<?> connectTimeout;
    private boolean needsFlush;
    private boolean flushScheduled;
    /** This client's store batches not written yet (see {@link #writeInOrder}). */
    private int pendingWrites;
    /** Batches of this pass of the loop, written together once the pass is done (see {@link #writeInOrder}). */
    private StoreBatch joined;
    private List<Consumer<Throwable>> joinedThens;
    /** Store writes of one client waiting at once beyond which its socket is not read until they are written. */
    private static final int PAUSE_READING_AT = 16;

    // Set by CONNECT.
    private MqttVersion version;
    private String clientId;
    /** The user name the client authenticated as (CONNECT's, or the enhanced method's); null when anonymous. */
    private String username;
    private Session session;
    private Message will;
    private long willDelaySeconds;
    private long sessionExpiry;
    private boolean problemInformation = true;
    private int clientReceiveMaximum = 65535;
    private int clientMaximumPacketSize = MqttDecoder.MAX_PACKET_SIZE;
    private InboundTopicAliases inboundAliases;
    private OutboundTopicAliases outboundAliases;
    private EnhancedAuthenticator.Exchange authExchange;
    private String authMethod;
    private Connect pendingConnect;
    private boolean disconnectedNormally;
    private boolean assignedClientId;
    /**
     * Whether the listener's TLS layer authenticated this client by its client certificate (certificate-username):
     * a verified certificate named it, and that counts as authentication where nothing else checks user names.
     */
    private boolean certified;
    private final List<MqttPacket> early = new ArrayList<>();
    private ConnectionLimits.Place place;
    private PublishThrottle throttle;
    private ReadPauses reads;

    public MqttConnection(BrokerContext broker, ListenerConfig listener, MqttPacketEncoder encoder,
                          MqttFrameDecoder frameDecoder) {
        this.broker = broker;
        this.config = broker.config();
        this.listener = listener;
        this.authorizer = broker.authorizer();
        this.encoder = encoder;
        this.frameDecoder = frameDecoder;
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        broker.metrics().connectionsAccepted.increment();
        place = broker.limits().open(listener);
        throttle = PublishThrottle.of(config, broker.metrics());
        reads = new ReadPauses(ctx.channel());
        connectTimeout = ctx.executor().schedule(() -> {
            if (state == State.AWAITING_CONNECT || state == State.AUTHENTICATING) {
                log.debug("{}: no CONNECT within {} s, closing", ctx.channel().remoteAddress(),
                        config.protocol().connectTimeoutSeconds());
                close();
            }
        }, config.protocol().connectTimeoutSeconds(), TimeUnit.SECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof MqttCodecException e) {
            (e.reasonCode() == ReasonCode.PACKET_TOO_LARGE ? broker.metrics().refusedPacketTooLarge
                    : broker.metrics().protocolViolations).increment();
            disconnect(e.reasonCode(), e.getMessage());
            return;
        }
        MqttPacket packet = (MqttPacket) msg;
        if (state == State.AWAITING_CONNECT) {
            // The decoder lets nothing but CONNECT through first.
            onConnect((Connect) packet);
        } else if (state == State.CONNECTED && !(packet instanceof Connect)) {
            handle(packet);
        } else if (packet instanceof Auth auth && state == State.AUTHENTICATING && authExchange != null) {
            onAuth(auth);
        } else if (authMethod == null && !(packet instanceof Connect) && !(packet instanceof Auth)) {
            // A client need not wait for CONNACK (MQTT 5.0 section 3.1.4): keep what it sends until the session
            // is open, and read no more meanwhile, so that this costs at most one read's worth of packets.
            reads.pause(ReadPauses.Reason.CONNECTING);
            early.add(packet);
        } else {
            ReferenceCountUtil.release(packet);
            if (packet instanceof Connect) {
                protocolError("MQTT-3.1.0-2: a second CONNECT");
            } else {
                // With enhanced authentication only AUTH may precede CONNACK (MQTT-3.1.2-30).
                protocolError("MQTT-3.1.2-30: " + packet.type() + " before CONNACK");
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && session != null && state == State.CONNECTED) {
            session.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (throttle == null || !throttle.pausedSinceLastAsked()) { // while throttled, the silence is ours
                log.debug("Client '{}' sent nothing for 1.5 times its keep-alive: closing", clientId);
                disconnect(ReasonCode.KEEP_ALIVE_TIMEOUT, "keep-alive timeout");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection of '{}' failed: {}", clientId, cause.toString());
        } else {
            log.warn("Unexpected error on the connection of '{}'", clientId, cause);
        }
        close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        if (place != null) {
            place.close();
        }
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (disconnectedNormally) {
            releaseWill();
        }
        Message willToSend = will;
        will = null;
        if (session != null) {
            Session s = session;
            long delay = willDelaySeconds;
            s.execute(() -> broker.sessions().closed(s, this, willToSend, delay));
        } else if (willToSend != null) {
            willToSend.payload().release();
        }
        ctx.fireChannelInactive();
    }

    private void releaseWill() {
        if (will != null) {
            will.payload().release();
            will = null;
        }
    }

    // ------------------------------------------------------------------ CONNECT and AUTH

    private void onConnect(Connect connect) {
        version = connect.version();
        encoder.setVersion(version);
        TransportIdentity certificate = TransportIdentity.of(ctx.channel(), listener);
        certified = certificate != null;
        if (certificate != null) {
            if (certificate.username() == null) {
                refuse(ReasonCode.NOT_AUTHORIZED, "the client certificate has no "
                        + listener.tls().certificateUsername().name() + " to use as the username");
                return;
            }
            // A verified client certificate names the client, whatever CONNECT says: not anonymous, whatever the
            // listener's allow-anonymous; the authenticator is asked about that name.
            connect = new Connect(connect.version(), connect.clientId(), connect.cleanStart(), connect.keepAlive(),
                    certificate.username(), connect.password(), connect.will(), connect.properties());
        }
        MqttProperties props = connect.properties();
        boolean v5 = version.isV5();
        clientId = connect.clientId();
        boolean assignedId = false;
        if (clientId.isEmpty()) {
            // 3.1.1 allows it only with clean session, which the codec checked; 5.0 always.
            clientId = "midge-" + UUID.randomUUID();
            assignedId = true;
        }
        if (v5) {
            sessionExpiry = props.number(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
            clientReceiveMaximum = (int) props.number(PropertyId.RECEIVE_MAXIMUM, 65535);
            clientMaximumPacketSize = (int) Math.min(props.number(PropertyId.MAXIMUM_PACKET_SIZE,
                    MqttDecoder.MAX_PACKET_SIZE), MqttDecoder.MAX_PACKET_SIZE);
            int clientTopicAliasMaximum = (int) props.number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0);
            if (clientTopicAliasMaximum > 0) {
                outboundAliases = new OutboundTopicAliases(clientTopicAliasMaximum);
            }
            inboundAliases = new InboundTopicAliases(config.protocol().topicAliasMaximum());
            problemInformation = props.number(PropertyId.REQUEST_PROBLEM_INFORMATION, 1) == 1;
        } else {
            sessionExpiry = connect.cleanStart() ? 0 : SessionRegistry.NEVER_EXPIRES;
        }
        sessionExpiry = Math.min(sessionExpiry, config.protocol().maxSessionExpiry());
        if (place.refusal() != null) {
            refuse(ReasonCode.QUOTA_EXCEEDED, place.refusal());
            return;
        }
        Will w = connect.will();
        if (w != null) {
            if (w.qos() > config.protocol().maximumQos()) {
                refuse(ReasonCode.QOS_NOT_SUPPORTED, "will QoS " + w.qos() + " is above the maximum QoS");
                return;
            }
            if (w.retain() && !config.protocol().retainAvailable()) {
                refuse(ReasonCode.RETAIN_NOT_SUPPORTED, "retained wills are not supported");
                return;
            }
            // The will's Message Expiry Interval counts from its publication, not from now (MQTT 5.0 section
            // 3.1.3.2.4): it stays among the properties until Message#publishedAt turns it into a deadline.
            will = new Message(w.topic(), w.qos(), w.retain(), Unpooled.wrappedBuffer(w.payload().toByteArray()),
                    w.properties().without(PropertyId.WILL_DELAY_INTERVAL), Message.NEVER, clientId);
            willDelaySeconds = w.properties().number(PropertyId.WILL_DELAY_INTERVAL, 0);
        }
        pendingConnect = new Connect(connect.version(), clientId, connect.cleanStart(), connect.keepAlive(),
                connect.username(), connect.password(), null, props);
        this.assignedClientId = assignedId;
        username = connect.username();

        authMethod = v5 ? props.string(PropertyId.AUTHENTICATION_METHOD) : null;
        if (authMethod != null) {
            EnhancedAuthenticator authenticator = broker.enhancedAuthenticators().get(authMethod);
            if (authenticator == null) {
                refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "unsupported authentication method " + authMethod);
                return;
            }
            state = State.AUTHENTICATING;
            Binary firstData = props.binary(PropertyId.AUTHENTICATION_DATA);
            String user = connect.username();
            Runnable begin = () -> {
                if (state == State.AUTHENTICATING && authExchange == null) {
                    authExchange = authenticator.begin(clientId, user);
                    authStep(authExchange.respond(firstData), false);
                    ctx.flush();
                }
            };
            long holdBack = authenticator.holdBackNanos(ctx.channel().remoteAddress());
            if (holdBack == EnhancedAuthenticator.BUSY) {
                refuse(ReasonCode.SERVER_BUSY, "too many failed logins from this address");
            } else if (holdBack > 0) {
                // Repeated failures from this address: the answer waits, the event loop does not.
                ctx.executor().schedule(begin, holdBack, TimeUnit.NANOSECONDS);
            } else {
                begin.run();
            }
            return;
        }
        if (connect.username() == null && !listener.anonymousAllowed()) {
            // Secure by default: a listener off the loopback lets nobody in without a name unless told to.
            refuseLogin(ReasonCode.NOT_AUTHORIZED, "anonymous clients are not allowed on listener '"
                    + listener.name() + "'");
            return;
        }
        if (!listener.anonymousAllowed() && broker.authenticator() == Authenticator.ALLOW_ALL
                && !certified) {
            // Nothing checks user names (no password file): where anonymous clients are refused, a name the client
            // merely claims proves nothing either.
            refuseLogin(ReasonCode.NOT_AUTHORIZED, "no authentication is configured for listener '"
                    + listener.name() + "'");
            return;
        }
        if (broker.authenticator() instanceof PasswordAuthenticator && certified) {
            // The certificate named the client and proved it: the password file is not asked for a password too
            // (the ACL still applies to the certificate's name).
            openSession(null);
            return;
        }
        state = State.AUTHENTICATING;
        broker.authenticator().authenticate(clientId, connect.username(), connect.password(),
                ctx.channel().remoteAddress()).whenComplete((code, error) -> ctx.executor().execute(() -> {
                    if (state != State.AUTHENTICATING) {
                        return; // closed meanwhile
                    }
                    if (error != null) {
                        log.warn("Authenticating '{}' failed", clientId, error);
                        refuse(ReasonCode.SERVER_UNAVAILABLE, "authentication failed");
                    } else if (code != ReasonCode.SUCCESS) {
                        refuseLogin(code, "not authenticated");
                    } else {
                        openSession(null);
                    }
                }));
    }

    private void onAuth(Auth auth) {
        String method = auth.properties().string(PropertyId.AUTHENTICATION_METHOD);
        if (authMethod == null) {
            protocolError("MQTT-4.12.0-7: AUTH from a client that connected without an Authentication Method");
            return;
        }
        if (method == null || !method.equals(authMethod)) {
            protocolError("MQTT-4.12.0-5: AUTH without the method of the exchange");
            return;
        }
        if (state == State.AUTHENTICATING && auth.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION) {
            protocolError("§4.12: AUTH with " + auth.reasonCode() + " during authentication");
            return;
        }
        if (state == State.CONNECTED) {
            // After CONNACK an exchange exists only between the client's AUTH 0x19 and the server's AUTH 0x00.
            if (auth.reasonCode() == ReasonCode.REAUTHENTICATE) {
                authExchange = broker.enhancedAuthenticators().get(authMethod).begin(clientId, username);
            } else if (auth.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION || authExchange == null) {
                protocolError("§4.12.1: AUTH with " + auth.reasonCode() + " and no re-authentication in progress");
                return;
            }
        }
        authStep(authExchange.respond(auth.properties().binary(PropertyId.AUTHENTICATION_DATA)),
                state == State.CONNECTED);
    }

    private void authStep(EnhancedAuthenticator.Step step, boolean reauthenticating) {
        switch (step) {
            case EnhancedAuthenticator.Step.Continue c -> {
                write(new Auth(ReasonCode.CONTINUE_AUTHENTICATION, authProperties(c.serverData())));
                ctx.flush();
            }
            case EnhancedAuthenticator.Step.Success s -> {
                authExchange = null; // done; a re-authentication begins a new one
                if (reauthenticating && s.username() != null && !s.username().equals(username)) {
                    disconnect(ReasonCode.NOT_AUTHORIZED, "re-authenticated as another user");
                } else if (reauthenticating) {
                    write(new Auth(ReasonCode.SUCCESS, authProperties(s.serverData())));
                    ctx.flush();
                } else {
                    if (s.username() != null) {
                        username = s.username();
                    }
                    openSession(s.serverData());
                }
            }
            case EnhancedAuthenticator.Step.Failure f -> {
                if (reauthenticating) {
                    disconnect(f.reasonCode().allowedIn(PacketType.DISCONNECT) ? f.reasonCode()
                            : ReasonCode.NOT_AUTHORIZED, "re-authentication failed");
                } else {
                    broker.enhancedAuthenticators().get(authMethod).failed(ctx.channel().remoteAddress());
                    refuseLogin(f.reasonCode(), "authentication failed");
                }
            }
        }
    }

    private MqttProperties authProperties(Binary data) {
        MqttProperties.Builder b = MqttProperties.builder().add(PropertyId.AUTHENTICATION_METHOD, authMethod);
        if (data != null) {
            b.add(PropertyId.AUTHENTICATION_DATA, data);
        }
        return b.build();
    }

    /** Refuses a client for its credentials (counted apart from other refusals). */
    private void refuseLogin(ReasonCode code, String reason) {
        broker.metrics().authenticationsRefused.increment();
        refuse(code, reason);
    }

    /**
     * Authenticated: opens (or takes over, or resumes) the session, then answers CONNACK on this loop. A will the
     * client may not publish refuses the connection (0x87; 3.1.1: 5) rather than dropping the will unseen: the
     * client relies on it, so it learns at once.
     */
    private void openSession(Binary authData) {
        if (will != null && authorizer != Authorizer.ALLOW_ALL && !authorizer.canPublish(clientId, username,
                will.topic())) {
            broker.metrics().publishesDenied.increment();
            refuse(ReasonCode.NOT_AUTHORIZED, "not authorized to publish the will to '" + will.topic() + "'");
            return;
        }
        state = State.CONNECTING;
        broker.sessions().open(clientId, pendingConnect.cleanStart(), ctx.channel().eventLoop(),
                (s, present) -> connected(s, present, authData));
    }

    private void connected(Session s, boolean sessionPresent, Binary authData) {
        session = s;
        s.setExpiryIntervalSeconds(sessionExpiry);
        s.setProtocolVersion(version.level());
        // CONNACK only once a new persistent session is durable (in memory this completes at once, right here).
        whenStored(broker.sessions().store().opened(s, pendingConnect.cleanStart(), ctx.executor()), error -> {
            if (error == null) {
                sessionStored(s, sessionPresent, authData);
            } else {
                storeFailed(s, error);
            }
        });
    }

    /** The session could not be stored: refused as unavailable, and the session handed back as if it closed. */
    private void storeFailed(Session s, Throwable error) {
        log.warn("Storing the session of '{}' failed: {}", clientId, error.toString());
        if (state != State.CLOSED) {
            refuse(ReasonCode.SERVER_UNAVAILABLE, "the session could not be stored");
        }
        Message w = will;
        will = null;
        if (w != null) {
            w.payload().release();
        }
        s.attach(this);
        broker.sessions().closed(s, this, null, 0);
    }

    private void sessionStored(Session s, boolean sessionPresent, Binary authData) {
        if (state == State.CLOSED) {
            // The client left while the session was opened: hand the session straight back.
            s.attach(this);
            Message w = disconnectedNormally ? null : will;
            will = null;
            broker.sessions().closed(s, this, w, willDelaySeconds);
            return;
        }
        state = State.CONNECTED;
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        // A 3.x client cannot be told a shorter keep-alive, so it keeps its own.
        int keepAlive = version.isV5() ? ConnAckProperties.grantedKeepAlive(config, pendingConnect.keepAlive())
                : pendingConnect.keepAlive();
        MqttProperties props = version.isV5() ? ConnAckProperties.of(config, pendingConnect, clientId,
                assignedClientId, sessionExpiry, authMethod, authData) : MqttProperties.EMPTY;
        if (keepAlive > 0) {
            // Closed after one and a half keep-alive periods without a packet (MQTT-3.1.2-22 / 3.1.2-24).
            ctx.pipeline().addBefore(ctx.name(), "keepAlive",
                    new IdleStateHandler(keepAlive * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        }
        write(new ConnAck(sessionPresent, ReasonCode.SUCCESS, props));
        s.attach(this);
        if (!early.isEmpty()) {
            List<MqttPacket> pending = new ArrayList<>(early);
            early.clear();
            for (MqttPacket packet : pending) {
                if (state == State.CONNECTED) {
                    handle(packet);
                } else {
                    ReferenceCountUtil.release(packet);
                }
            }
            reads.resume(ReadPauses.Reason.CONNECTING);
        }
        ctx.flush();
    }

    /** Refuses a CONNECT: CONNACK with the code (the 3.x return code closest to it), then close. */
    private void refuse(ReasonCode code, String reason) {
        broker.metrics().connectionsRefused.increment();
        log.debug("Refused client '{}' from {}: {} ({})", clientId, ctx.channel().remoteAddress(), reason, code);
        releaseWill();
        MqttProperties props = reasonString(reason, p -> new ConnAck(false, code, p));
        state = State.CLOSED;
        ctx.writeAndFlush(new ConnAck(false, code, props)).addListener(f -> closeGracefully());
    }

    // ------------------------------------------------------------------ after CONNECT

    private void handle(MqttPacket packet) {
        switch (packet) {
            case Publish p -> onPublish(p);
            case PubAck a -> session.onPubAck(a.packetId());
            case PubRec r -> {
                if (!session.onPubRec(r.packetId(), r.reasonCode().isError()) && !r.reasonCode().isError()) {
                    write(new PubRel(r.packetId(), version.isV5() ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND
                            : ReasonCode.SUCCESS, MqttProperties.EMPTY));
                }
            }
            case PubRel r -> {
                boolean known = session.releaseInboundQos2(r.packetId());
                PubComp comp = new PubComp(r.packetId(), known || !version.isV5() ? ReasonCode.SUCCESS
                        : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY);
                boolean stored = known && session.isStored();
                if (stored || pendingWrites > 0) {
                    // PUBCOMP only once the identifier's release is durable (and after what came before it).
                    StoreBatch batch = broker.persistence().batch(clientId);
                    if (stored) {
                        batch.removeInboundQos2(clientId, r.packetId());
                    }
                    writeInOrder(batch, error -> write(comp));
                } else {
                    write(comp);
                }
            }
            case PubComp c -> session.onPubComp(c.packetId());
            case Subscribe s -> onSubscribe(s);
            case Unsubscribe u -> onUnsubscribe(u);
            case PingReq p -> write(PingResp.INSTANCE);
            case Disconnect d -> onDisconnect(d);
            case Auth a -> onAuth(a);
            default -> protocolError("§2.1.2: unexpected " + packet.type());
        }
    }

    private void onPublish(Publish p) {
        broker.metrics().messagesReceived.increment();
        if (throttle != null) {
            throttle.onPublish(ctx, reads, p.payload().readableBytes());
        }
        boolean v5 = version.isV5();
        if (p.qos() > config.protocol().maximumQos()) {
            p.release();
            disconnect(ReasonCode.QOS_NOT_SUPPORTED, "MQTT-3.2.2-11: QoS " + p.qos() + " is above the maximum QoS");
            return;
        }
        if (p.retainFlag() && !config.protocol().retainAvailable()) {
            p.release();
            disconnect(ReasonCode.RETAIN_NOT_SUPPORTED, "MQTT-3.2.2-14: retained messages are not supported");
            return;
        }
        String topic = p.topic();
        MqttProperties props = p.properties();
        if (v5 && props.contains(PropertyId.TOPIC_ALIAS)) {
            try {
                topic = inboundAliases.resolve(topic, (int) props.number(PropertyId.TOPIC_ALIAS, 0));
            } catch (MqttCodecException e) {
                p.release();
                disconnect(e.reasonCode(), e.getMessage());
                return;
            }
        }
        if (p.qos() > 0 && !session.hasInboundQos2(p.packetId())
                && session.inboundQos2Count() >= config.protocol().receiveMaximum()) {
            p.release();
            broker.metrics().refusedReceiveMaximum.increment();
            disconnect(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, "MQTT-3.3.4-9: more than Receive Maximum "
                    + config.protocol().receiveMaximum() + " unacknowledged publishes");
            return;
        }
        if (v5 && props.number(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0) == 1
                && !Utf8.isWellFormed(p.payload(), p.payload().readerIndex(), p.payload().readableBytes())) {
            p.release();
            if (p.qos() == 0) {
                disconnect(ReasonCode.PAYLOAD_FORMAT_INVALID, "payload marked UTF-8 is not");
            } else {
                acknowledge(p, ReasonCode.PAYLOAD_FORMAT_INVALID, "payload marked UTF-8 is not");
            }
            return;
        }
        Persistence store = broker.persistence();
        if (p.qos() == 2 && session.hasInboundQos2(p.packetId())) {
            // A re-sent QoS 2 PUBLISH before PUBREL: acknowledged again, not delivered twice (MQTT-4.3.3-9); on the
            // durable path after the batches before it, so never before the first copy is durable.
            p.release();
            if (pendingWrites > 0) {
                writeInOrder(store.batch(clientId), error -> write(new PubRec(p.packetId())));
            } else {
                write(new PubRec(p.packetId()));
            }
            return;
        }
        if (authorizer != Authorizer.ALLOW_ALL && !authorizer.canPublish(clientId, username, topic)) {
            denyPublish(p, topic);
            return;
        }
        Message message = toMessage(topic, p.qos(), p.retainFlag(), p.payload(), props);
        if (store.isDurable() && (p.qos() > 0 || pendingWrites > 0)) {
            publishDurably(p, message, store);
            return;
        }
        Router.Outcome outcome = broker.router().publish(message);
        switch (p.qos()) {
            case 1 -> acknowledge(p, outcomeCode(outcome), null);
            case 2 -> {
                ReasonCode code = outcomeCode(outcome);
                if (!code.isError()) {
                    session.addInboundQos2(p.packetId());
                }
                acknowledge(p, code, null);
            }
            default -> {
            }
        }
    }

    /**
     * A publish the ACL does not allow: dropped. QoS 1/2 is answered 0x87 in 5.0; 3.1.1 has no way to say so and is
     * acknowledged as usual (MQTT-3.3.5-2 allows that). After this client's pending store writes, to keep the
     * acknowledgements in order.
     */
    private void denyPublish(Publish p, String topic) {
        broker.metrics().publishesDenied.increment();
        log.debug("Client '{}' (user '{}') may not publish to '{}': dropped", clientId, username, topic);
        p.release();
        if (p.qos() == 0) {
            return;
        }
        String reason = "not authorized to publish to '" + topic + "'";
        if (pendingWrites > 0) {
            writeInOrder(broker.persistence().batch(clientId),
                    error -> acknowledge(p, ReasonCode.NOT_AUTHORIZED, reason));
        } else {
            acknowledge(p, ReasonCode.NOT_AUTHORIZED, reason);
        }
    }

    /**
     * Acknowledged means durable: the message, its queue entries for persistent subscribers, the retained change
     * and the QoS 2 identifier go to the store in one batch, and only once it is written are the deliveries handed
     * over and PUBACK or PUBREC sent. The publisher's batches complete in order, and while one is pending even
     * QoS 0 messages wait their turn, so that its messages keep their order.
     */
    private void publishDurably(Publish p, Message message, Persistence store) {
        StoreBatch batch = store.batch(clientId);
        int qos = p.qos();
        int packetId = p.packetId();
        if (qos == 2) {
            // Known at once, so that a copy re-sent meanwhile is not routed twice.
            session.addInboundQos2(packetId);
            if (session.isStored()) {
                batch.putInboundQos2(clientId, packetId);
            }
        }
        Router.Routed routed = broker.router().route(message, batch);
        if (batch.isEmpty() && pendingWrites == 0) {
            // Nothing to store (clean sessions only, no retained change) and nothing ahead of it: no need to go
            // through the writer thread and back just to keep an order that nothing can break.
            finishPublish(p, routed, null);
        } else {
            writeInOrder(batch, error -> finishPublish(p, routed, error));
        }
    }

    /** Hands the routed deliveries over and acknowledges, once the publish's batch is written (or refused). */
    private void finishPublish(Publish p, Router.Routed routed, Throwable error) {
        int qos = p.qos();
        int packetId = p.packetId();
        if (error != null) {
            broker.router().discard(routed);
            if (qos == 2) {
                session.releaseInboundQos2(packetId);
            }
            storeRefused(p, error);
            return;
        }
        ReasonCode code = outcomeCode(broker.router().offer(routed));
        if (qos == 2 && code.isError()) {
            releaseInboundQos2(packetId);
        }
        if (qos > 0) {
            acknowledge(p, code, null);
        }
    }

    /**
     * Writes one of this client's batches; {@code then} runs once it is written, in the order written. The batches
     * of one pass of the loop (a read of many publishes, say) are joined and written as one when the loop is done
     * with that pass: one store write and one completion for them all, not one each.
     */
    private void writeInOrder(StoreBatch batch, Consumer<Throwable> then) {
        if (joined == null) {
            joined = broker.persistence().batch(clientId);
            joinedThens = new ArrayList<>();
            pendingWrites++;
            if (pendingWrites == PAUSE_READING_AT) {
                // The store is behind with this client's writes: read no more from it until it caught up, so
                // that a fast publisher is slowed down (TCP pushes back) rather than refused.
                reads.pause(ReadPauses.Reason.STORE_BEHIND);
            }
            ctx.executor().execute(this::writeJoined);
        }
        joined.addAll(batch);
        joinedThens.add(then);
    }

    /** Hands the batches joined in this pass to the store, before any other write of this client. */
    private void writeJoined() {
        StoreBatch batch = joined;
        if (batch == null) {
            return;
        }
        List<Consumer<Throwable>> thens = joinedThens;
        joined = null;
        joinedThens = null;
        whenStored(broker.persistence().write(batch, ctx.executor()), error -> {
            if (pendingWrites-- == PAUSE_READING_AT) {
                reads.resume(ReadPauses.Reason.STORE_BEHIND);
            }
            thens.forEach(then -> then.accept(error));
        });
    }

    /**
     * A publish the store did not take: in 5.0 answered 0x97 Quota exceeded when the store is behind (the client
     * may retry), 0x80 when it failed; 3.1.1 has no way to say so but closing the connection.
     */
    private void storeRefused(Publish p, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        log.warn("Storing a message from '{}' failed: {}", clientId, cause.toString());
        if (p.qos() == 0) {
            return;
        }
        if (!version.isV5()) {
            disconnect(ReasonCode.UNSPECIFIED_ERROR, "the message could not be stored");
        } else if (cause instanceof StoreOverloadedException) {
            acknowledge(p, ReasonCode.QUOTA_EXCEEDED, "the store is behind");
        } else {
            acknowledge(p, ReasonCode.UNSPECIFIED_ERROR, "the message could not be stored");
        }
    }

    /** Forgets an inbound QoS 2 identifier, in the store too. */
    private boolean releaseInboundQos2(int packetId) {
        boolean known = session.releaseInboundQos2(packetId);
        if (known && session.isStored()) {
            Persistence store = broker.persistence();
            writeInOrder(store.batch(clientId).removeInboundQos2(clientId, packetId), error -> { });
        }
        return known;
    }

    private static ReasonCode outcomeCode(Router.Outcome outcome) {
        return switch (outcome) {
            case DELIVERED -> ReasonCode.SUCCESS;
            case NO_SUBSCRIBERS -> ReasonCode.NO_MATCHING_SUBSCRIBERS;
            case QUOTA_EXCEEDED -> ReasonCode.QUOTA_EXCEEDED;
        };
    }

    private void acknowledge(Publish p, ReasonCode code, String reason) {
        ReasonCode sent = version.isV5() ? code : ReasonCode.SUCCESS;
        MqttProperties props = reasonString(reason, r -> p.qos() == 1 ? new PubAck(p.packetId(), sent, r)
                : new PubRec(p.packetId(), sent, r));
        write(p.qos() == 1 ? new PubAck(p.packetId(), sent, props) : new PubRec(p.packetId(), sent, props));
    }

    /** An application message from a PUBLISH or a will; takes over the payload reference. */
    private Message toMessage(String topic, int qos, boolean retain, io.netty.buffer.ByteBuf payload,
                              MqttProperties props) {
        long deadline = Message.NEVER;
        if (props.contains(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
            deadline = System.nanoTime()
                    + TimeUnit.SECONDS.toNanos(props.number(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0));
        }
        MqttProperties forwarded = props.isEmpty() ? props : props.without(PropertyId.TOPIC_ALIAS,
                PropertyId.MESSAGE_EXPIRY_INTERVAL, PropertyId.SUBSCRIPTION_IDENTIFIER, PropertyId.WILL_DELAY_INTERVAL);
        return new Message(topic, qos, retain, payload, forwarded, deadline, clientId);
    }

    private void onSubscribe(Subscribe s) {
        writeJoined(); // the store sees this client's changes in the order they were made
        List<ReasonCode> codes = new ArrayList<>(s.subscriptions().size());
        int subscriptionId = (int) s.properties().number(PropertyId.SUBSCRIPTION_IDENTIFIER, 0);
        List<Runnable> retainedToSend = new ArrayList<>();
        Map<String, SubscriptionOptions> added = new LinkedHashMap<>();
        for (Subscription sub : s.subscriptions()) {
            String filter = sub.topicFilter();
            if (!version.isV5() && Topics.topicFilterProblem(filter, true) != null) {
                codes.add(ReasonCode.UNSPECIFIED_ERROR);
                continue;
            }
            if (config.security().denySubscribe().contains(filter)) {
                codes.add(ReasonCode.UNSPECIFIED_ERROR);
                continue;
            }
            if (authorizer != Authorizer.ALLOW_ALL && !authorizer.canSubscribe(clientId, username, filter)) {
                broker.metrics().subscriptionsDenied.increment();
                codes.add(version.isV5() ? ReasonCode.NOT_AUTHORIZED : ReasonCode.UNSPECIFIED_ERROR);
                continue;
            }
            if (config.limits().maxSubscriptions() > 0 && !session.subscriptions().containsKey(filter)
                    && session.subscriptions().size() >= config.limits().maxSubscriptions()) {
                broker.metrics().refusedSubscriptionLimit.increment(); // a new filter beyond max-subscriptions
                codes.add(ReasonCode.QUOTA_EXCEEDED); // 0x80 in 3.x
                continue;
            }
            int qos = Math.min(sub.qos(), config.protocol().maximumQos());
            SubscriptionOptions options = new SubscriptionOptions(qos, sub.noLocal(), sub.retainAsPublished(),
                    sub.retainHandling(), subscriptionId);
            boolean existed = broker.router().subscribe(session, filter, options);
            session.subscriptions().put(filter, options);
            added.put(filter, options);
            codes.add(ReasonCode.of(PacketType.SUBACK, qos));
            boolean sendRetained = !Topics.isSharedFilter(filter)
                    && (sub.retainHandling() == 0 || (sub.retainHandling() == 1 && !existed));
            if (sendRetained) {
                retainedToSend.add(() -> broker.router().sendRetained(session, filter, options));
            }
        }
        Session subscriber = session;
        // SUBACK once the subscriptions of a persistent session are durable; matching messages may come first
        // (MQTT 5.0 section 3.8.4).
        whenStored(broker.sessions().store().subscribed(subscriber, added, ctx.executor()), error -> {
            if (error != null) {
                log.warn("Storing subscriptions of '{}' failed: {}", clientId, error.toString());
                codes.replaceAll(c -> ReasonCode.UNSPECIFIED_ERROR);
            }
            write(new SubAck(s.packetId(), codes, MqttProperties.EMPTY));
            retainedToSend.forEach(Runnable::run);
        });
    }

    /**
     * Runs {@code then} (with the write's failure, or null) once a store write completed. A write that is done
     * already (in memory, always) runs it right here, inside the read, whose end flushes what it wrote; a pending
     * one runs it on this loop later, outside any read, so it flushes itself.
     */
    private void whenStored(CompletableFuture<Void> write, Consumer<Throwable> then) {
        if (write.isDone()) {
            then.accept(write.handle((v, e) -> e).join());
            return;
        }
        write.whenComplete((v, e) -> {
            then.accept(e);
            flushLater();
        });
    }

    /**
     * Flushes once the loop is done with what it is running: a store commit completes many of this client's writes
     * in one task, and their acknowledgements then leave in one flush, not one each.
     */
    private void flushLater() {
        if (needsFlush && !flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                if (needsFlush) {
                    needsFlush = false;
                    ctx.flush();
                }
            });
        }
    }

    private void onUnsubscribe(Unsubscribe u) {
        writeJoined(); // the store sees this client's changes in the order they were made
        List<ReasonCode> codes = new ArrayList<>(u.topicFilters().size());
        for (String filter : u.topicFilters()) {
            boolean existed = session.subscriptions().remove(filter) != null;
            broker.router().unsubscribe(session, filter);
            codes.add(existed ? ReasonCode.SUCCESS : ReasonCode.NO_SUBSCRIPTION_EXISTED);
        }
        whenStored(broker.sessions().store().unsubscribed(session, u.topicFilters(), ctx.executor()), error -> {
            if (error != null) {
                log.warn("Storing unsubscriptions of '{}' failed: {}", clientId, error.toString());
                codes.replaceAll(c -> c.isError() ? c : ReasonCode.UNSPECIFIED_ERROR);
            }
            write(new UnsubAck(u.packetId(), version.isV5() ? codes : List.of(), MqttProperties.EMPTY));
        });
    }

    private void onDisconnect(Disconnect d) {
        if (version.isV5() && d.properties().contains(PropertyId.SESSION_EXPIRY_INTERVAL)) {
            long expiry = d.properties().number(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
            if (sessionExpiry == 0 && expiry != 0) {
                disconnect(ReasonCode.PROTOCOL_ERROR,
                        "MQTT-3.14.2-2: Session Expiry Interval set on DISCONNECT after 0 on CONNECT");
                return;
            }
            sessionExpiry = Math.min(expiry, config.protocol().maxSessionExpiry());
            session.setExpiryIntervalSeconds(sessionExpiry);
        }
        if (d.reasonCode() != ReasonCode.DISCONNECT_WITH_WILL_MESSAGE) {
            disconnectedNormally = true; // the will is discarded (MQTT-3.14.4-3)
        }
        close();
    }

    // ------------------------------------------------------------------ SessionConnection

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public boolean sendPublish(Delivery delivery, int packetId, boolean dup) {
        Message m = delivery.message();
        String topic = m.topic();
        MqttProperties props = m.properties();
        int newAlias = 0;
        if (version.isV5()) {
            long expiry = m.remainingExpirySeconds(System.nanoTime());
            int[] ids = delivery.subscriptionIds();
            if (expiry >= 0 || ids.length > 0 || outboundAliases != null) {
                MqttProperties.Builder b = props.toBuilder();
                if (expiry >= 0) {
                    b.add(PropertyId.MESSAGE_EXPIRY_INTERVAL, expiry);
                }
                for (int id : ids) {
                    b.add(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
                }
                if (outboundAliases != null) {
                    int alias = outboundAliases.existing(topic);
                    if (alias != 0) {
                        b.add(PropertyId.TOPIC_ALIAS, alias);
                        topic = "";
                    } else {
                        newAlias = outboundAliases.next();
                        if (newAlias != 0) {
                            b.add(PropertyId.TOPIC_ALIAS, newAlias);
                        }
                    }
                }
                props = b.build();
            }
        }
        Publish publish = new Publish(topic, delivery.qos(), delivery.retain(), dup, packetId, props, m.payload());
        if (clientMaximumPacketSize < MqttDecoder.MAX_PACKET_SIZE
                && MqttEncoder.encodedSize(publish, version) > clientMaximumPacketSize) {
            log.debug("Message on '{}' is larger than the Maximum Packet Size {} of '{}': not sent", m.topic(),
                    clientMaximumPacketSize, clientId);
            m.payload().release();
            return false;
        }
        if (newAlias != 0) {
            outboundAliases.assign(m.topic(), newAlias);
        }
        ctx.write(publish, ctx.voidPromise());
        return true;
    }

    @Override
    public void sendPubRel(int packetId) {
        ctx.write(new PubRel(packetId), ctx.voidPromise());
    }

    @Override
    public boolean mayReceive(String topic) {
        return authorizer == Authorizer.ALLOW_ALL || authorizer.canReceive(clientId, username, topic);
    }

    @Override
    public int sendQuota() {
        return Math.min(clientReceiveMaximum, config.limits().maxInflight());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void takenOver() {
        disconnect(ReasonCode.SESSION_TAKEN_OVER, "another connection took the session over");
    }

    // ------------------------------------------------------------------ writing and closing

    private void write(MqttPacket packet) {
        ctx.write(packet, ctx.voidPromise());
        needsFlush = true;
    }

    private void protocolError(String reason) {
        broker.metrics().protocolViolations.increment();
        disconnect(ReasonCode.PROTOCOL_ERROR, reason);
    }

    /**
     * Ends the connection for a reason: in 5.0 with DISCONNECT and the reason code (with CONNACK while still
     * connecting), in 3.x by closing it, after CONNACK with a return code where 3.x has one. The will goes out
     * unless the client disconnected normally.
     */
    public void disconnect(ReasonCode code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        log.debug("Disconnecting client '{}' from {}: {} ({})", clientId, ctx.channel().remoteAddress(), reason,
                code);
        if (state == State.AWAITING_CONNECT || state == State.AUTHENTICATING) {
            MqttVersion v = frameDecoder.decoder().version();
            if (v != null) {
                encoder.setVersion(v);
                version = v;
            }
            boolean v3HasCode = code == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION
                    || code == ReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
            if ((v != null && v.isV5() && code.allowedIn(PacketType.CONNACK)) || v3HasCode) {
                refuse(code, reason);
                return;
            }
            close();
            return;
        }
        if (version.isV5() && code.allowedIn(PacketType.DISCONNECT)) {
            MqttProperties props = reasonString(reason, p -> new Disconnect(code, p));
            state = State.CLOSED;
            ctx.writeAndFlush(new Disconnect(code, props)).addListener(f -> closeGracefully());
        } else {
            close();
        }
    }

    private void close() {
        state = State.CLOSED;
        ctx.close();
    }

    /**
     * A 5.0 Reason String for a packet, or none: when the client asked for no problem information, or when the
     * string would make the packet larger than the client's Maximum Packet Size (MQTT-3.1.2-25; the Reason String
     * is the part to leave out, MQTT-3.2.2-19, MQTT-3.4.2-2, MQTT-3.14.2-3).
     */
    private MqttProperties reasonString(String reason, Function<MqttProperties, MqttPacket> packet) {
        if (reason == null || !problemInformation || version == null || !version.isV5()) {
            return MqttProperties.EMPTY;
        }
        MqttProperties props = MqttProperties.builder().add(PropertyId.REASON_STRING, reason).build();
        return MqttEncoder.encodedSize(packet.apply(props), version) > clientMaximumPacketSize
                ? MqttProperties.EMPTY : props;
    }

    /**
     * Closes after a CONNACK or DISCONNECT that says why: first only our direction (FIN), reading and dropping
     * what the client still sends until it closes too, or a second has passed. Closing at once while the client's
     * packets are still arriving makes the kernel answer with a reset, and a reset can discard the very packet
     * that explained the close before the client reads it.
     */
    private void closeGracefully() {
        if (ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
            duplex.shutdownOutput();
            ctx.executor().schedule(() -> {
                ctx.close();
            }, 1, TimeUnit.SECONDS);
        } else {
            ctx.close();
        }
    }
}
