package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.Topics;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import java.util.List;
import java.util.function.Function;

/**
 * MQTT 3.1 and 3.1.1: no properties, no reason codes beyond CONNACK's return codes and SUBACK's failure, no server
 * DISCONNECT (a violation closes the connection, MQTT-4.8.0-1). 3.1 has no Session Present flag either.
 */
final class Mqtt3Dialect implements MqttDialect {
    static final Mqtt3Dialect V3_1 = new Mqtt3Dialect(false);
    static final Mqtt3Dialect V3_1_1 = new Mqtt3Dialect(true);

    private final boolean hasSessionPresent;

    private Mqtt3Dialect(boolean hasSessionPresent) {
        this.hasSessionPresent = hasSessionPresent;
    }

    @Override
    public void negotiate(Connect connect, ConnectionContext c) {
        // Clean session 1 ends the session with the connection; 0 keeps it for good (capped by the broker).
        c.sessionExpiry = connect.cleanStart() ? 0 : SessionRegistry.NEVER_EXPIRES;
    }

    @Override
    public MqttProperties connAckProperties(ConnectionContext c, Connect connect, boolean assignedClientId,
                                            String authMethod, Binary authData) {
        return MqttProperties.EMPTY;
    }

    @Override
    public boolean sessionPresent(boolean present) {
        return present && hasSessionPresent; // a 3.1 CONNACK's first byte is 0
    }

    @Override
    public int keepAlive(BrokerConfig config, int requested) {
        return requested; // a 3.x client cannot be told a shorter keep-alive, so it keeps its own
    }

    @Override
    public MqttProperties reasonString(ConnectionContext c, String reason,
                                       Function<MqttProperties, MqttPacket> packet) {
        return MqttProperties.EMPTY;
    }

    @Override
    public ReasonCode acknowledgement(ReasonCode outcome) {
        return ReasonCode.SUCCESS; // MQTT-3.3.5-2 allows acknowledging what is then dropped
    }

    @Override
    public boolean refusesInAcknowledgements() {
        return false;
    }

    @Override
    public String topic(Publish publish, ConnectionContext c) {
        return publish.topic();
    }

    @Override
    public boolean payloadFormatInvalid(Publish publish) {
        return false;
    }

    @Override
    public ReasonCode filterRefusal(String filter) {
        // 5.0's decoder refuses a bad filter as a protocol error; a 3.x SUBSCRIBE gets 0x80 for it.
        return Topics.topicFilterProblem(filter, true) != null ? ReasonCode.UNSPECIFIED_ERROR : null;
    }

    @Override
    public ReasonCode subscriptionDenied() {
        return ReasonCode.UNSPECIFIED_ERROR; // 0x80, the one failure 3.x has
    }

    @Override
    public List<ReasonCode> unsubAckCodes(List<ReasonCode> codes) {
        return List.of();
    }

    @Override
    public ReasonCode unknownPacketIdentifier() {
        return ReasonCode.SUCCESS;
    }

    @Override
    public boolean refusesInConnAck(ReasonCode code) {
        // Return codes 1 and 2; the other refusals of a broken CONNECT close the connection (MQTT-3.1.4-1).
        return code == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION || code == ReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
    }

    @Override
    public boolean tellsDisconnect(ReasonCode code) {
        return false;
    }

    @Override
    public String onDisconnect(Disconnect disconnect, ConnectionContext c) {
        return null;
    }

    @Override
    public Publish publish(Delivery delivery, int packetId, boolean dup, ConnectionContext c) {
        Message m = delivery.message();
        return new Publish(m.topic(), delivery.qos(), delivery.retain(), dup, packetId, MqttProperties.EMPTY,
                m.payload());
    }

    @Override
    public void aliasSent(Publish publish, ConnectionContext c) {
    }
}
