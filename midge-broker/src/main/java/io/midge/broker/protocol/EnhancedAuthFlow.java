package io.midge.broker.protocol;

import io.midge.broker.protocol.ConnectionContext.State;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import java.util.concurrent.TimeUnit;

/**
 * MQTT 5.0 enhanced authentication (section 4.12): the AUTH exchange a CONNECT with an Authentication Method starts,
 * and re-authentication on a connected client. The exchange itself is the authenticator's; this is the packets.
 */
final class EnhancedAuthFlow {
    static final String AUTH_WITHOUT_METHOD =
            "MQTT-4.12.0-7: AUTH from a client that connected without an Authentication Method";

    private final ConnectionContext c;
    private final Disconnector disconnector;
    private final ConnectFlow connect;
    private String method;
    private EnhancedAuthenticator.Exchange exchange;

    EnhancedAuthFlow(ConnectionContext c, Disconnector disconnector, ConnectFlow connect) {
        this.c = c;
        this.disconnector = disconnector;
        this.connect = connect;
    }

    /** The Authentication Method of the connection, or null without enhanced authentication. */
    String method() {
        return method;
    }

    /** Whether an exchange is under way (AUTH may come before CONNACK only then, MQTT-3.1.2-30). */
    boolean inProgress() {
        return exchange != null;
    }

    /** Starts the exchange a CONNECT asks for; false when it asks for none (and the password check follows). */
    boolean begin(Connect connect) {
        MqttProperties props = connect.properties();
        method = props.string(PropertyId.AUTHENTICATION_METHOD); // 5.0 only: a 3.x CONNECT has no properties
        if (method == null) {
            return false;
        }
        EnhancedAuthenticator authenticator = c.broker.enhancedAuthenticators().get(method);
        if (authenticator == null) {
            disconnector.refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "unsupported authentication method " + method);
            return true;
        }
        c.state = State.AUTHENTICATING;
        Binary firstData = props.binary(PropertyId.AUTHENTICATION_DATA);
        String user = connect.username();
        Runnable start = () -> {
            if (c.state == State.AUTHENTICATING && exchange == null) {
                exchange = authenticator.begin(c.clientId, user);
                step(exchange.respond(firstData), false);
                c.flushNow();
            }
        };
        long holdBack = authenticator.holdBackNanos(c.ctx.channel().remoteAddress());
        if (holdBack == EnhancedAuthenticator.BUSY) {
            disconnector.refuse(ReasonCode.SERVER_BUSY, "too many failed logins from this address");
        } else if (holdBack > 0) {
            // Repeated failures from this address: the answer waits, the event loop does not.
            c.ctx.executor().schedule(start, holdBack, TimeUnit.NANOSECONDS);
        } else {
            start.run();
        }
        return true;
    }

    void onAuth(Auth auth) {
        String authMethod = auth.properties().string(PropertyId.AUTHENTICATION_METHOD);
        if (method == null) {
            disconnector.protocolError(AUTH_WITHOUT_METHOD);
            return;
        }
        if (authMethod == null || !authMethod.equals(method)) {
            disconnector.protocolError("MQTT-4.12.0-5: AUTH without the method of the exchange");
            return;
        }
        if (c.state == State.AUTHENTICATING && auth.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION) {
            disconnector.protocolError("§4.12: AUTH with " + auth.reasonCode() + " during authentication");
            return;
        }
        if (c.state == State.CONNECTED) {
            // After CONNACK an exchange exists only between the client's AUTH 0x19 and the server's AUTH 0x00.
            if (auth.reasonCode() == ReasonCode.REAUTHENTICATE) {
                exchange = c.broker.enhancedAuthenticators().get(method).begin(c.clientId, c.username);
            } else if (auth.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION || exchange == null) {
                disconnector.protocolError("§4.12.1: AUTH with " + auth.reasonCode()
                        + " and no re-authentication in progress");
                return;
            }
        }
        step(exchange.respond(auth.properties().binary(PropertyId.AUTHENTICATION_DATA)),
                c.state == State.CONNECTED);
    }

    private void step(EnhancedAuthenticator.Step step, boolean reauthenticating) {
        if (step instanceof EnhancedAuthenticator.Step.Continue) {
            c.write(new Auth(ReasonCode.CONTINUE_AUTHENTICATION,
                    properties(((EnhancedAuthenticator.Step.Continue) step).serverData())));
            c.flushNow();
        } else if (step instanceof EnhancedAuthenticator.Step.Success) {
            EnhancedAuthenticator.Step.Success s = (EnhancedAuthenticator.Step.Success) step;
            exchange = null; // done; a re-authentication begins a new one
            if (reauthenticating && s.username() != null && !s.username().equals(c.username)) {
                disconnector.disconnect(ReasonCode.NOT_AUTHORIZED, "re-authenticated as another user");
            } else if (reauthenticating) {
                c.write(new Auth(ReasonCode.SUCCESS, properties(s.serverData())));
                c.flushNow();
            } else {
                if (s.username() != null) {
                    c.username = s.username();
                }
                connect.openSession(s.serverData());
            }
        } else {
            EnhancedAuthenticator.Step.Failure f = (EnhancedAuthenticator.Step.Failure) step;
            if (reauthenticating) {
                disconnector.disconnect(f.reasonCode().allowedIn(PacketType.DISCONNECT) ? f.reasonCode()
                        : ReasonCode.NOT_AUTHORIZED, "re-authentication failed");
            } else {
                c.broker.enhancedAuthenticators().get(method).failed(c.ctx.channel().remoteAddress());
                connect.refuseLogin(f.reasonCode(), "authentication failed");
            }
        }
    }

    private MqttProperties properties(Binary data) {
        MqttProperties.Builder b = MqttProperties.builder().add(PropertyId.AUTHENTICATION_METHOD, method);
        if (data != null) {
            b.add(PropertyId.AUTHENTICATION_DATA, data);
        }
        return b.build();
    }
}
