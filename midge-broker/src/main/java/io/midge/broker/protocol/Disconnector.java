package io.midge.broker.protocol;

import io.midge.broker.protocol.ConnectionContext.State;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that ends a connection: with a CONNACK that refuses it while connecting, with a DISCONNECT that says
 * why in 5.0, or by closing it in 3.x. The will goes out unless the client disconnected normally (the session
 * registry sends it when the channel is gone).
 */
final class Disconnector {
    private static final Logger log = LoggerFactory.getLogger(Disconnector.class);

    private final ConnectionContext c;

    Disconnector(ConnectionContext c) {
        this.c = c;
    }

    /** Ends the connection for a protocol violation (5.0: 0x82 Protocol Error). */
    void protocolError(String reason) {
        c.broker.metrics().protocolViolations.increment();
        disconnect(ReasonCode.PROTOCOL_ERROR, reason);
    }

    /**
     * Ends the connection for a reason: in 5.0 with DISCONNECT and the reason code (with CONNACK while still
     * connecting), in 3.x by closing it, after CONNACK with a return code where 3.x has one.
     */
    void disconnect(ReasonCode code, String reason) {
        if (c.state == State.CLOSED) {
            return;
        }
        log.debug("Disconnecting client '{}' from {}: {} ({})", c.clientId, c.ctx.channel().remoteAddress(), reason,
                code);
        if (c.state == State.AWAITING_CONNECT || c.state == State.AUTHENTICATING) {
            MqttVersion v = c.frameDecoder.decoder().version();
            if (v != null) {
                c.setVersion(v);
            }
            // A CONNECT too broken to tell its version is answered as 3.1.1 would be.
            MqttDialect dialect = c.dialect != null ? c.dialect : Mqtt3Dialect.V3_1_1;
            if (dialect.refusesInConnAck(code)) {
                refuse(code, reason);
                return;
            }
            close();
            return;
        }
        if (c.dialect.tellsDisconnect(code)) {
            MqttProperties props = c.dialect.reasonString(c, reason, p -> new Disconnect(code, p));
            c.state = State.CLOSED;
            c.handOver(); // what was written before it goes first
            c.ctx.writeAndFlush(c.encode(new Disconnect(code, props))).addListener(f -> closeGracefully());
        } else {
            close();
        }
    }

    /** Refuses a CONNECT: CONNACK with the code (the 3.x return code closest to it), then close. */
    void refuse(ReasonCode code, String reason) {
        refuse(code, reason, null);
    }

    /** Refuses a CONNECT as above, naming in 5.0 the server to use instead (Server Reference) when not null. */
    void refuse(ReasonCode code, String reason, String serverReference) {
        c.broker.metrics().connectionsRefused.increment();
        log.debug("Refused client '{}' from {}: {} ({})", c.clientId, c.ctx.channel().remoteAddress(), reason, code);
        c.releaseWill();
        c.state = State.CLOSED;
        MqttProperties props = c.dialect == null ? MqttProperties.EMPTY
                : c.dialect.reasonString(c, reason, p -> new ConnAck(false, code, p));
        if (serverReference != null && c.version == MqttVersion.MQTT_5) {
            props = props.toBuilder().add(PropertyId.SERVER_REFERENCE, serverReference).build();
        }
        ConnAck connAck = new ConnAck(false, code, props);
        if (c.version != null && !c.fits(connAck)) {
            close(); // a CONNACK larger than the client's Maximum Packet Size is not sent (MQTT-3.1.2-24)
            return;
        }
        c.handOver();
        c.ctx.writeAndFlush(c.encode(connAck)).addListener(f -> closeGracefully());
    }

    /** Closes at once, without a word. */
    void close() {
        c.state = State.CLOSED;
        c.ctx.close();
    }

    /**
     * Closes after a CONNACK or DISCONNECT that says why: first only our direction (FIN), reading and dropping
     * what the client still sends until it closes too, or a second has passed. Closing at once while the client's
     * packets are still arriving makes the kernel answer with a reset, and a reset can discard the very packet
     * that explained the close before the client reads it.
     */
    private void closeGracefully() {
        if (c.ctx.channel() instanceof DuplexChannel && ((DuplexChannel) c.ctx.channel()).isActive()) {
            ((DuplexChannel) c.ctx.channel()).shutdownOutput();
            c.ctx.executor().schedule(() -> {
                c.ctx.close();
            }, 1, TimeUnit.SECONDS);
        } else {
            c.ctx.close();
        }
    }
}
