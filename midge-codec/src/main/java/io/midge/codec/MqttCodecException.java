package io.midge.codec;

import io.midge.codec.protocol.ReasonCode;

/**
 * A packet that breaks the protocol. It carries the MQTT 5 reason code a server must answer with (in DISCONNECT for
 * 5.0, in CONNACK while connecting) and the normative statement it breaks, so that the one place that disconnects
 * can do the right thing for every version. The connection is unusable after it: the stream position is lost.
 */
public final class MqttCodecException extends RuntimeException {
    private final ReasonCode reasonCode;
    private final String rule;

    public MqttCodecException(ReasonCode reasonCode, String rule, String message) {
        super(message + " [" + rule + "]", null, false, false);
        this.reasonCode = reasonCode;
        this.rule = rule;
    }

    public static MqttCodecException malformed(String rule, String message) {
        return new MqttCodecException(ReasonCode.MALFORMED_PACKET, rule, message);
    }

    public static MqttCodecException protocolError(String rule, String message) {
        return new MqttCodecException(ReasonCode.PROTOCOL_ERROR, rule, message);
    }

    /** The reason code for DISCONNECT (or CONNACK while connecting). */
    public ReasonCode reasonCode() {
        return reasonCode;
    }

    /** The normative statement broken, such as {@code MQTT-3.3.2-2}, or a section reference where it has no number. */
    public String rule() {
        return rule;
    }
}
