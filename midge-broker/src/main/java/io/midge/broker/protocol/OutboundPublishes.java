package io.midge.broker.protocol;

import io.midge.broker.routing.Delivery;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.SessionConnection;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the session sees of the connection: the PUBLISHes and PUBRELs it sends, whether the socket takes more, the
 * client's quota and what the ACL lets it receive. One per connection: the session tells connections apart by it.
 */
final class OutboundPublishes implements SessionConnection, ClientConnection {
    private static final Logger log = LoggerFactory.getLogger(OutboundPublishes.class);

    private final ConnectionContext c;

    OutboundPublishes(ConnectionContext c) {
        this.c = c;
    }

    @Override
    public boolean isWritable() {
        return c.ctx.channel().isWritable();
    }

    @Override
    public boolean sendPublish(Delivery delivery, int packetId, boolean dup) {
        Publish publish = c.dialect.publish(delivery, packetId, dup, c);
        if (!c.fits(publish)) {
            log.debug("Message on '{}' is larger than the Maximum Packet Size {} of '{}': not sent",
                    delivery.message().topic(), c.clientMaximumPacketSize, c.clientId);
            delivery.message().payload().release();
            return false;
        }
        c.dialect.aliasSent(publish, c);
        c.send(publish);
        c.countMessageOut();
        return true;
    }

    @Override
    public void sendPubRel(int packetId) {
        c.send(new PubRel(packetId));
    }

    @Override
    public boolean mayReceive(String topic) {
        Authorizer acl = c.broker.authorizer();
        return acl == Authorizer.ALLOW_ALL || acl.canReceive(c.clientId, c.username, topic);
    }

    @Override
    public int sendQuota() {
        return Math.min(c.clientReceiveMaximum, c.broker.config().limits().maxInflight());
    }

    @Override
    public void flush() {
        c.flush();
    }

    @Override
    public void takenOver() {
        c.disconnector().disconnect(ReasonCode.SESSION_TAKEN_OVER, "another connection took the session over");
    }

    // ---------------------------------------------------------------- ClientConnection (the management API)

    @Override
    public String username() {
        return c.username;
    }

    @Override
    public SocketAddress remoteAddress() {
        return c.ctx.channel().remoteAddress();
    }

    @Override
    public String listener() {
        return c.listener.name();
    }

    @Override
    public MqttVersion version() {
        return c.version;
    }

    @Override
    public int keepAlive() {
        return c.keepAlive;
    }

    @Override
    public long connectedSinceSeconds() {
        return Integer.toUnsignedLong(c.connectedSinceSeconds);
    }

    @Override
    public boolean cleanStart() {
        return c.cleanStart;
    }

    @Override
    public long messagesIn() {
        return c.messagesIn();
    }

    @Override
    public long messagesOut() {
        return c.messagesOut();
    }

    @Override
    public long bytesIn() {
        return c.bytesIn();
    }

    @Override
    public long bytesOut() {
        return c.bytesOut();
    }

    @Override
    public void kick(String reason, Runnable then) {
        c.ctx.executor().execute(() -> {
            c.disconnector().disconnect(ReasonCode.ADMINISTRATIVE_ACTION, reason);
            then.run();
        });
    }
}
