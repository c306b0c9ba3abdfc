package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.codec.alias.InboundTopicAliases;
import io.midge.codec.alias.OutboundTopicAliases;
import io.midge.codec.protocol.Binary;
import io.midge.codec.MqttDecoder;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.Utf8;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.function.Function;

/** MQTT 5.0: properties and reason codes on every answer, topic aliases, a DISCONNECT that says why. */
final class Mqtt5Dialect implements MqttDialect {
    static final Mqtt5Dialect INSTANCE = new Mqtt5Dialect();
    /**
     * The Topic Alias Maximum of another node's link, instead of {@code protocol.topic-alias-maximum}: a link carries
     * every topic the nodes share, over and over, so the most MQTT allows. A table grows only as its aliases are set
     * (an alias holds a topic the link carried anyway), and a node has one per other node, not one per client.
     */
    static final int LINK_TOPIC_ALIAS_MAXIMUM = 65_535;

    private Mqtt5Dialect() {
    }

    @Override
    public void negotiate(Connect connect, ConnectionContext c) {
        MqttProperties props = connect.properties();
        c.sessionExpiry = props.number(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
        c.clientReceiveMaximum = (int) props.number(PropertyId.RECEIVE_MAXIMUM, 65535);
        c.clientMaximumPacketSize = (int) Math.min(props.number(PropertyId.MAXIMUM_PACKET_SIZE,
                MqttDecoder.MAX_PACKET_SIZE), MqttDecoder.MAX_PACKET_SIZE);
        int clientTopicAliasMaximum = (int) props.number(PropertyId.TOPIC_ALIAS_MAXIMUM, 0);
        if (clientTopicAliasMaximum > 0) {
            c.outboundAliases = new OutboundTopicAliases(clientTopicAliasMaximum);
        }
        c.inboundAliases = InboundTopicAliases.inServer(c.broker.nodeLinks() ? LINK_TOPIC_ALIAS_MAXIMUM
                : c.broker.config().protocol().topicAliasMaximum());
        c.problemInformation = props.number(PropertyId.REQUEST_PROBLEM_INFORMATION, 1) == 1;
    }

    @Override
    public MqttProperties connAckProperties(ConnectionContext c, Connect connect, boolean assignedClientId,
                                            String authMethod, Binary authData) {
        MqttProperties props = ConnAckProperties.of(c.broker.config(), connect, c.clientId, assignedClientId,
                c.sessionExpiry, c.inboundAliases.maximum(), authMethod, authData);
        return ConnAckProperties.fitted(props, p -> c.fits(new ConnAck(true, ReasonCode.SUCCESS, p)));
    }

    @Override
    public boolean sessionPresent(boolean present) {
        return present;
    }

    @Override
    public int keepAlive(BrokerConfig config, int requested) {
        return ConnAckProperties.grantedKeepAlive(config, requested);
    }

    /**
     * No Reason String when the client asked for no problem information, or when the string would make the packet
     * larger than the client's Maximum Packet Size (MQTT-3.1.2-25; the Reason String is the part to leave out,
     * MQTT-3.2.2-19, MQTT-3.4.2-2, MQTT-3.14.2-3).
     */
    @Override
    public MqttProperties reasonString(ConnectionContext c, String reason,
                                       Function<MqttProperties, MqttPacket> packet) {
        if (reason == null || !c.problemInformation) {
            return MqttProperties.EMPTY;
        }
        MqttProperties props = MqttProperties.builder().add(PropertyId.REASON_STRING, reason).build();
        return c.fits(packet.apply(props)) ? props : MqttProperties.EMPTY;
    }

    @Override
    public ReasonCode acknowledgement(ReasonCode outcome) {
        return outcome;
    }

    @Override
    public boolean refusesInAcknowledgements() {
        return true;
    }

    @Override
    public String topic(Publish publish, ConnectionContext c) {
        MqttProperties props = publish.properties();
        if (!props.contains(PropertyId.TOPIC_ALIAS)) {
            return publish.topic();
        }
        return c.inboundAliases.resolve(publish.topic(), (int) props.number(PropertyId.TOPIC_ALIAS, 0));
    }

    @Override
    public boolean payloadFormatInvalid(Publish publish) {
        ByteBuf payload = publish.payload();
        return publish.properties().number(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0) == 1
                && !Utf8.isWellFormed(payload, payload.readerIndex(), payload.readableBytes());
    }

    @Override
    public ReasonCode filterRefusal(String filter) {
        return null; // the decoder refused a bad filter already, as a protocol error
    }

    @Override
    public ReasonCode subscriptionDenied() {
        return ReasonCode.NOT_AUTHORIZED;
    }

    @Override
    public List<ReasonCode> unsubAckCodes(List<ReasonCode> codes) {
        return codes;
    }

    @Override
    public ReasonCode unknownPacketIdentifier() {
        return ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
    }

    @Override
    public boolean refusesInConnAck(ReasonCode code) {
        return code.allowedIn(PacketType.CONNACK);
    }

    @Override
    public boolean tellsDisconnect(ReasonCode code) {
        return code.allowedIn(PacketType.DISCONNECT);
    }

    @Override
    public String onDisconnect(Disconnect disconnect, ConnectionContext c) {
        if (!disconnect.properties().contains(PropertyId.SESSION_EXPIRY_INTERVAL)) {
            return null;
        }
        long expiry = disconnect.properties().number(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
        if (c.sessionExpiry == 0 && expiry != 0) {
            return "MQTT-3.14.2-2: Session Expiry Interval set on DISCONNECT after 0 on CONNECT";
        }
        c.sessionExpiry = Math.min(expiry, c.broker.config().protocol().maxSessionExpiry());
        c.session.setExpiryIntervalSeconds(c.sessionExpiry);
        return null;
    }

    @Override
    public Publish publish(Delivery delivery, int packetId, boolean dup, ConnectionContext c) {
        Message m = delivery.message();
        String topic = m.topic();
        MqttProperties props = m.properties();
        long expiry = m.remainingExpirySeconds();
        int[] ids = delivery.subscriptionIds();
        OutboundTopicAliases aliases = c.outboundAliases;
        if (expiry >= 0 || ids.length > 0 || aliases != null) {
            MqttProperties.Builder b = props.toBuilder();
            if (expiry >= 0) {
                b.add(PropertyId.MESSAGE_EXPIRY_INTERVAL, expiry);
            }
            for (int id : ids) {
                b.add(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
            }
            if (aliases != null) {
                int alias = aliases.existing(topic);
                if (alias != 0) {
                    b.add(PropertyId.TOPIC_ALIAS, alias);
                    topic = ""; // the client knows the alias: the topic's bytes are saved
                } else {
                    int next = aliases.next();
                    if (next != 0) {
                        b.add(PropertyId.TOPIC_ALIAS, next); // sets it: with the topic
                    }
                }
            }
            props = b.build();
        }
        return new Publish(topic, delivery.qos(), delivery.retain(), dup, packetId, props, m.payload());
    }

    @Override
    public void aliasSent(Publish publish, ConnectionContext c) {
        if (c.outboundAliases != null) {
            c.outboundAliases.sent(publish);
        }
    }
}
