package io.midge.codec;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;

/**
 * Decodes DISCONNECT and AUTH (MQTT 5.0 sections 3.14 and 3.15), which share one form in 5.0: a reason code that may
 * be left out when it is 0x00, then properties that may be left out when there are none. Before 5.0 DISCONNECT has
 * no body and AUTH does not exist.
 */
final class DisconnectAuthDecoder {
    private DisconnectAuthDecoder() {
    }

    static Disconnect decodeDisconnect(BodyReader reader) {
        if (!reader.isV5() || !reader.hasRemaining()) {
            reader.requireNoBody(PacketType.DISCONNECT);
            return Disconnect.NORMAL;
        }
        ReasonCode reasonCode = reader.readReasonCode(PacketType.DISCONNECT);
        return new Disconnect(reasonCode, readOptionalProperties(reader, PacketType.DISCONNECT));
    }

    static Auth decodeAuth(BodyReader reader) {
        if (!reader.hasRemaining()) {
            return new Auth(ReasonCode.SUCCESS, MqttProperties.EMPTY);
        }
        ReasonCode reasonCode = reader.readReasonCode(PacketType.AUTH);
        return new Auth(reasonCode, readOptionalProperties(reader, PacketType.AUTH));
    }

    private static MqttProperties readOptionalProperties(BodyReader reader, PacketType type) {
        return reader.hasRemaining() ? PropertiesDecoder.read(reader, type, false) : MqttProperties.EMPTY;
    }
}
