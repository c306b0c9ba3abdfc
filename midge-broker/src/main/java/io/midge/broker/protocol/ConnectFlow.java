package io.midge.broker.protocol;

import io.midge.broker.protocol.ConnectionContext.State;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.BridgeClientIds;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.security.PasswordAuthenticator;
import io.midge.broker.security.TransportIdentity;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionGate;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.Unpooled;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * From CONNECT to CONNACK: who the client is (its certificate, its credentials, or an enhanced exchange), what it
 * negotiated, its will, and the session it opens, takes over or resumes. CONNACK goes out only once a new persistent
 * session is durable.
 */
final class ConnectFlow {
    private static final Logger log = LoggerFactory.getLogger(ConnectFlow.class);

    private final ConnectionContext c;
    private final Disconnector disconnector;
    private final EnhancedAuthFlow enhancedAuth;
    private final OutboundPublishes outbound;
    /**
     * Called with the keep-alive granted (in seconds) once the session is open and CONNACK written: packets the
     * client sent early are handled then.
     */
    private final IntConsumer onConnected;
    /** CONNECT with the client identifier it ends up with and without the will, until CONNACK. */
    private Connect pendingConnect;
    private boolean assignedClientId;
    /** The properties of the CONNACK that opens the session, decided (and fitted to the client) before it opens. */
    private MqttProperties connAckProperties;
    /** Why the connection limits refuse this client, told at CONNECT (in the CONNACK); null when they do not. */
    private String placeRefusal;
    /** Refuses the client when the cluster's session gate has not answered in time; null when not waiting. */
    private ScheduledFuture<?> gateDeadline;

    ConnectFlow(ConnectionContext c, Disconnector disconnector, OutboundPublishes outbound, IntConsumer onConnected) {
        this.c = c;
        this.disconnector = disconnector;
        this.outbound = outbound;
        this.onConnected = onConnected;
        this.enhancedAuth = new EnhancedAuthFlow(c, disconnector, this);
    }

    EnhancedAuthFlow enhancedAuth() {
        return enhancedAuth;
    }

    void onConnect(Connect connect) {
        c.setVersion(connect.version());
        TransportIdentity certificate = TransportIdentity.of(c.ctx.channel(), c.listener);
        boolean certified = certificate != null;
        if (certified) {
            if (certificate.username() == null) {
                disconnector.refuse(ReasonCode.NOT_AUTHORIZED, "the client certificate has no "
                        + c.listener.tls().certificateUsername().name() + " to use as the username");
                return;
            }
            // A verified client certificate names the client, whatever CONNECT says: not anonymous, whatever the
            // listener's allow-anonymous; the authenticator is asked about that name.
            connect = new Connect(connect.version(), connect.clientId(), connect.cleanStart(), connect.keepAlive(),
                    certificate.username(), connect.password(), connect.will(), connect.properties());
        }
        c.clientId = connect.clientId();
        if (c.clientId.isEmpty()) {
            // 3.1.1 allows it only with clean session, which the codec checked; 5.0 always.
            c.clientId = "midge-" + UUID.randomUUID();
            assignedClientId = true;
        }
        if (NodeClientIds.isNode(c.clientId) != c.broker.nodeLinks()) {
            // A client posing as a node would receive what is forwarded to that node; a link takes nodes only.
            disconnector.refuse(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, c.broker.nodeLinks()
                    ? "only the cluster's nodes connect to its link listener"
                    : "client identifiers starting with " + NodeClientIds.PREFIX + " are reserved for cluster nodes");
            return;
        }
        if (BridgeClientIds.isBridge(c.clientId)) {
            disconnector.refuse(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client identifiers starting with " + BridgeClientIds.PREFIX + " are reserved for bridges");
            return;
        }
        c.dialect.negotiate(connect, c);
        c.sessionExpiry = Math.min(c.sessionExpiry, c.broker.config().protocol().maxSessionExpiry());
        if (placeRefusal != null) {
            disconnector.refuse(ReasonCode.QUOTA_EXCEEDED, placeRefusal);
            return;
        }
        String unavailable = c.broker.limits().unavailable();
        if (unavailable != null && !c.broker.nodeLinks()) {
            disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, unavailable);
            return;
        }
        if (!takeWill(connect.will())) {
            return;
        }
        pendingConnect = new Connect(connect.version(), c.clientId, connect.cleanStart(), connect.keepAlive(),
                connect.username(), connect.password(), null, connect.properties());
        c.username = connect.username();
        if (enhancedAuth.begin(connect)) {
            return;
        }
        authenticate(connect, certified);
    }

    /** Refuses the CONNECT to come, for the reason given (a connection limit was passed as it opened). */
    void refuseAtConnect(String refusal) {
        this.placeRefusal = refusal;
    }

    /** Keeps the will for later; false when it is refused (and the connection with it). */
    private boolean takeWill(Will w) {
        if (w == null) {
            return true;
        }
        if (w.qos() > c.broker.config().protocol().maximumQos()) {
            disconnector.refuse(ReasonCode.QOS_NOT_SUPPORTED, "will QoS " + w.qos() + " is above the maximum QoS");
            return false;
        }
        if (w.retain() && !c.broker.config().protocol().retainAvailable()) {
            disconnector.refuse(ReasonCode.RETAIN_NOT_SUPPORTED, "retained wills are not supported");
            return false;
        }
        // The will's Message Expiry Interval counts from its publication, not from now (MQTT 5.0 section
        // 3.1.3.2.4): it stays among the properties until Message#publishedAt turns it into a deadline.
        c.will = new Message(w.topic(), w.qos(), w.retain(), Unpooled.wrappedBuffer(w.payload().toByteArray()),
                w.properties().without(PropertyId.WILL_DELAY_INTERVAL), Message.NEVER, c.clientId);
        c.willDelaySeconds = w.properties().number(PropertyId.WILL_DELAY_INTERVAL, 0);
        return true;
    }

    /** User name and password: the listener's rules first, then the authenticator, off the loop. */
    private void authenticate(Connect connect, boolean certified) {
        Authenticator authenticator = c.broker.authenticator();
        boolean anonymousAllowed = c.listener.anonymousAllowed();
        if (connect.username() == null && !anonymousAllowed) {
            // Secure by default: a listener off the loopback lets nobody in without a name unless told to.
            refuseLogin(ReasonCode.NOT_AUTHORIZED, "anonymous clients are not allowed on listener '"
                    + c.listener.name() + "'");
            return;
        }
        if (!anonymousAllowed && authenticator == Authenticator.ALLOW_ALL && !certified) {
            // Nothing checks user names (no password file): where anonymous clients are refused, a name the client
            // merely claims proves nothing either.
            refuseLogin(ReasonCode.NOT_AUTHORIZED, "no authentication is configured for listener '"
                    + c.listener.name() + "'");
            return;
        }
        if (authenticator instanceof PasswordAuthenticator && certified) {
            // The certificate named the client and proved it: the password file is not asked for a password too
            // (the ACL still applies to the certificate's name).
            openSession(null);
            return;
        }
        c.state = State.AUTHENTICATING;
        CompletionStage<ReasonCode> answer = authenticator.authenticate(c.clientId, connect.username(),
                connect.password(), c.ctx.channel().remoteAddress());
        if (answer instanceof CompletableFuture<ReasonCode> known && known.isDone()) {
            // Answered at once (no password file): go on within this read rather than as a task of its own.
            ReasonCode code = null;
            Throwable error = null;
            try {
                code = known.join();
            } catch (CompletionException | CancellationException e) {
                error = e;
            }
            authenticated(code, error);
            return;
        }
        answer.whenComplete((code, error) -> c.ctx.executor().execute(() -> authenticated(code, error)));
    }

    private void authenticated(ReasonCode code, Throwable error) {
        if (c.state != State.AUTHENTICATING) {
            return; // closed meanwhile
        }
        if (error != null) {
            log.warn("Authenticating '{}' failed", c.clientId, error);
            disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, "authentication failed");
        } else if (code != ReasonCode.SUCCESS) {
            refuseLogin(code, "not authenticated");
        } else {
            openSession(null);
        }
    }

    /** Refuses a client for its credentials (counted apart from other refusals). */
    void refuseLogin(ReasonCode code, String reason) {
        c.broker.metrics().authenticationsRefused.increment();
        disconnector.refuse(code, reason);
    }

    /**
     * Authenticated: opens (or takes over, or resumes) the session, then answers CONNACK on this loop. A will the
     * client may not publish refuses the connection (0x87; 3.1.1: 5) rather than dropping the will unseen: the
     * client relies on it, so it learns at once.
     */
    void openSession(Binary authData) {
        if (c.will != null && c.will.topic().startsWith("$")) {
            c.broker.metrics().publishesToReservedTopics.increment();
            disconnector.refuse(ReasonCode.NOT_AUTHORIZED, "§4.7.2: the will's topic '" + c.will.topic()
                    + "' starts with $, which is reserved for the broker");
            return;
        }
        if (c.will != null && c.broker.authorizer() != Authorizer.ALLOW_ALL
                && !c.broker.authorizer().canPublish(c.clientId, c.username, c.will.topic())) {
            c.broker.metrics().publishesDenied.increment();
            disconnector.refuse(ReasonCode.NOT_AUTHORIZED, "not authorized to publish the will to '"
                    + c.will.topic() + "'");
            return;
        }
        connAckProperties = c.dialect.connAckProperties(c, pendingConnect, assignedClientId,
                enhancedAuth.method(), authData);
        if (connAckProperties == null) {
            // Not even without its optional parts: the client cannot be told anything (MQTT-3.1.2-24).
            c.broker.metrics().connectionsRefused.increment();
            log.debug("Refused client '{}': even a bare CONNACK exceeds its Maximum Packet Size {}", c.clientId,
                    c.clientMaximumPacketSize);
            c.releaseWill();
            disconnector.close();
            return;
        }
        c.state = State.CONNECTING;
        SessionGate gate = c.broker.sessions().gate();
        if (gate != null && !c.broker.nodeLinks()) {
            // A node of a cluster: the session may live on another node and come here first (or not at all).
            CompletableFuture<SessionGate.Refusal> answer = gate.beforeOpen(c.clientId, pendingConnect.cleanStart(),
                    c.sessionExpiry > 0, c.ctx.channel().eventLoop());
            long bound = gate.answerWithinMillis();
            gateDeadline = c.ctx.executor().schedule(() -> gateTimedOut(bound), bound, TimeUnit.MILLISECONDS);
            answer.whenComplete((refusal, error) -> c.ctx.executor().execute(() -> gateAnswered(refusal, error)));
            return;
        }
        c.broker.sessions().open(c.clientId, pendingConnect.cleanStart(), c.ctx.channel().eventLoop(),
                this::opened);
    }

    /**
     * The cluster's session gate did not answer within its bound ({@link SessionGate#answerWithinMillis}): the client
     * is refused, its will released (a refused CONNECT has no will to publish). The gate's answer, when it comes, is
     * still taken ({@link #gateAnswered}).
     */
    private void gateTimedOut(long boundMillis) {
        gateDeadline = null;
        if (c.state != State.CONNECTING) {
            return; // the client left meanwhile
        }
        log.warn("Refused client '{}': the cluster did not say within {} ms whether its session may open on this node",
                c.clientId, boundMillis);
        disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, "the cluster did not answer in time; connect again");
    }

    /** The cluster answered whether this node may open the session (on the connection's loop). */
    private void gateAnswered(SessionGate.Refusal refusal, Throwable error) {
        if (gateDeadline != null) {
            gateDeadline.cancel(false);
            gateDeadline = null;
        }
        if (error == null && refusal == null) {
            // Opened even if the client left meanwhile, or was refused for the gate's slowness: the session
            // (perhaps moved here, and so taken from its old owner) then goes offline as after any connection, its
            // expiry counting (see sessionStored); the will of a refused client was released with the refusal.
            c.broker.sessions().open(c.clientId, pendingConnect.cleanStart(), c.ctx.channel().eventLoop(),
                    this::opened);
            return;
        }
        if (c.state != State.CONNECTING) {
            c.releaseWill(); // the client left meanwhile (or was refused already: nothing left to release)
            return;
        }
        if (error != null) {
            log.warn("Opening the session of '{}' in the cluster failed", c.clientId, error);
            disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, "the cluster could not open the session");
        } else if (refusal.serverReference() != null) {
            disconnector.refuse(ReasonCode.USE_ANOTHER_SERVER, refusal.reason(), refusal.serverReference());
        } else {
            disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, refusal.reason());
        }
    }

    private void opened(Session s, boolean sessionPresent) {
        c.session = s;
        s.setExpiryIntervalSeconds(c.sessionExpiry);
        s.setProtocolVersion(c.version.level());
        SessionGate gate = c.broker.sessions().gate();
        if (gate != null && !c.broker.nodeLinks()) {
            long epoch = gate.epoch(c.clientId);
            if (epoch > 0) {
                s.setClusterEpoch(epoch); // stored with the session just below
            }
        }
        // CONNACK only once a new persistent session is durable (in memory this completes at once, right here). A
        // session not resumed is stored as after a clean start, whatever the client asked for.
        c.whenStored(c.broker.sessions().store().opened(s, !sessionPresent, c.ctx.executor()), error -> {
            if (error == null) {
                sessionStored(s, sessionPresent);
            } else {
                storeFailed(s, error);
            }
        });
    }

    /** The session could not be stored: refused as unavailable, and the session handed back as if it closed. */
    private void storeFailed(Session s, Throwable error) {
        log.warn("Storing the session of '{}' failed: {}", c.clientId, error.toString());
        if (c.state != State.CLOSED) {
            disconnector.refuse(ReasonCode.SERVER_UNAVAILABLE, "the session could not be stored");
        }
        c.releaseWill();
        s.attach(outbound);
        c.broker.sessions().closed(s, outbound, null, 0);
    }

    private void sessionStored(Session s, boolean sessionPresent) {
        if (c.state == State.CLOSED) {
            // The client left while the session was opened: hand the session straight back.
            s.attach(outbound);
            Message w = c.disconnectedNormally ? null : c.will;
            c.will = null;
            c.broker.sessions().closed(s, outbound, w, c.willDelaySeconds);
            return;
        }
        c.state = State.CONNECTED;
        int keepAlive = c.dialect.keepAlive(c.broker.config(), pendingConnect.keepAlive());
        c.keepAlive = keepAlive;
        c.cleanStart = pendingConnect.cleanStart();
        c.connectedSinceSeconds = (int) (System.currentTimeMillis() / 1000);
        c.write(new ConnAck(c.dialect.sessionPresent(sessionPresent), ReasonCode.SUCCESS, connAckProperties));
        pendingConnect = null; // not needed any more: an idle connection should not hold its CONNECT for life
        connAckProperties = null;
        s.attach(outbound);
        onConnected.accept(keepAlive);
        c.flushNow();
    }
}
