package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import java.util.List;
import java.util.function.Function;

/**
 * What differs between MQTT 3.1/3.1.1 and 5.0, in one place per version: what CONNECT negotiates, what an answer
 * may say (reason codes, properties, a server DISCONNECT), and the properties of an outgoing PUBLISH. The parts of
 * a connection ask their dialect instead of asking which version they speak.
 */
interface MqttDialect {
    static MqttDialect of(MqttVersion version) {
        switch (version) {
            case MQTT_5:
                return Mqtt5Dialect.INSTANCE;
            case MQTT_3_1_1:
                return Mqtt3Dialect.V3_1_1;
            default:
                return Mqtt3Dialect.V3_1;
        }
    }

    /** Reads what the CONNECT asks for (session expiry, limits, aliases) into the connection's context. */
    void negotiate(Connect connect, ConnectionContext c);

    /**
     * The properties of the CONNACK that accepts the client, cut to its Maximum Packet Size; null when not even
     * the least of them fits (the client then gets no CONNACK at all).
     */
    MqttProperties connAckProperties(ConnectionContext c, Connect connect, boolean assignedClientId,
                                     String authMethod, Binary authData);

    /** The Session Present flag as this version can say it. */
    boolean sessionPresent(boolean present);

    /** The keep-alive the broker holds the client to. */
    int keepAlive(BrokerConfig config, int requested);

    /** A 5.0 Reason String for a packet, or no properties where the version or the client wants none. */
    MqttProperties reasonString(ConnectionContext c, String reason, Function<MqttProperties, MqttPacket> packet);

    /** The code a PUBACK or PUBREC carries for this outcome: 3.x has none but success. */
    ReasonCode acknowledgement(ReasonCode outcome);

    /** Whether a publish can be refused by its acknowledgement; without that a refusal closes the connection. */
    boolean refusesInAcknowledgements();

    /** The topic a PUBLISH is for, through its topic alias where it has one; throws what the client did wrong. */
    String topic(Publish publish, ConnectionContext c);

    /** Whether the payload breaks its own Payload Format Indicator (5.0: marked UTF-8 and is not). */
    boolean payloadFormatInvalid(Publish publish);

    /** The SUBACK code for a filter the broker refuses outright, or null: 3.x filters are checked here. */
    ReasonCode filterRefusal(String filter);

    /** The SUBACK code for a subscription the ACL does not allow. */
    ReasonCode subscriptionDenied();

    /** The UNSUBACK's reason codes (3.x has none). */
    List<ReasonCode> unsubAckCodes(List<ReasonCode> codes);

    /** The code of a PUBREL or PUBCOMP for a packet identifier the broker does not know. */
    ReasonCode unknownPacketIdentifier();

    /** Whether a CONNECT refused for this reason is told so in a CONNACK (3.x has a few return codes only). */
    boolean refusesInConnAck(ReasonCode code);

    /** Whether a connection ended for this reason is told so with a DISCONNECT (3.x: never). */
    boolean tellsDisconnect(ReasonCode code);

    /**
     * What a DISCONNECT from the client changes (5.0: its Session Expiry Interval); a reason to end the connection
     * as a protocol error when it breaks a rule, else null.
     */
    String onDisconnect(Disconnect disconnect, ConnectionContext c);

    /**
     * The PUBLISH that carries a delivery to the client: with the remaining message expiry, the subscription
     * identifiers and a topic alias in 5.0. A new alias counts only once the caller {@link #aliasSent}s it.
     */
    Publish publish(Delivery delivery, int packetId, boolean dup, ConnectionContext c);

    /** The PUBLISH built by {@link #publish} is on its way: a topic alias it sets is now known to the client. */
    void aliasSent(Publish publish, ConnectionContext c);
}
