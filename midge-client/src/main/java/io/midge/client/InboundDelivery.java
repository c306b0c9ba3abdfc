package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The broker's publishes to the client: acknowledged by QoS, delivered once each (a QoS 2 identifier is remembered
 * from PUBLISH to PUBREL), to the {@link MessageListener} and the {@link MessageStream}, whose backlog stops reading
 * from the socket until its subscribers catch up. Confined to the client's event loop, except the listener's setter.
 */
final class InboundDelivery {
    private static final System.Logger LOG = System.getLogger(InboundDelivery.class.getName());

    private final Supplier<ClientConnection> connection;
    private final MessageStream stream;
    private volatile MessageListener listener;
    private final Set<Integer> qos2Received = new HashSet<>();

    /** @param connection the session's connection, null while there is none */
    InboundDelivery(EventLoop loop, Supplier<ClientConnection> connection) {
        this.connection = connection;
        this.stream = new MessageStream(loop, this::demandChanged);
    }

    MessageStream stream() {
        return stream;
    }

    void listener(MessageListener listener) {
        this.listener = listener;
    }

    /** A PUBLISH, its topic resolved from any alias; the connection releases the packet. */
    void onPublish(ClientConnection conn, Publish publish, String topic) {
        int qos = publish.qos();
        boolean fresh = qos < 2 || qos2Received.add(publish.packetId());
        if (fresh) {
            MqttProperties properties = publish.properties();
            if (properties.contains(PropertyId.TOPIC_ALIAS)) {
                properties = properties.without(PropertyId.TOPIC_ALIAS);
            }
            deliver(conn, new IncomingMessage(topic, ByteBufUtil.getBytes(publish.payload()), qos,
                    publish.retainFlag(), publish.dup(), publish.packetId(), properties));
        }
        if (qos == 1) {
            conn.write(new PubAck(publish.packetId()));
        } else if (qos == 2) {
            conn.write(new PubRec(publish.packetId()));
        }
    }

    /** PUBREL: the broker will not send that QoS 2 message again, so its identifier may be used anew. */
    void onPubRel(ClientConnection conn, int packetId) {
        boolean known = qos2Received.remove(packetId);
        conn.write(known ? new PubComp(packetId)
                : new PubComp(packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY));
    }

    /** A new session: the broker forgot the QoS 2 messages it had not released, so the client does too. */
    void newSession() {
        qos2Received.clear();
    }

    private void deliver(ClientConnection conn, IncomingMessage message) {
        MessageListener l = listener;
        if (l != null) {
            try {
                l.onMessage(message);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the message listener threw", e);
            }
        }
        stream.offer(message);
        if (stream.backlogged()) {
            conn.channel().config().setAutoRead(false);
        }
    }

    private void demandChanged() {
        ClientConnection conn = connection.get();
        if (conn != null && !stream.backlogged()) {
            conn.channel().config().setAutoRead(true);
        }
    }
}
