package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
import java.util.Locale;

/**
 * Why an operation of the client failed. When the broker said no (a CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK or
 * DISCONNECT with an error code), {@link #reasonCode()} is that code and the message spells it out, as in
 * {@code connection refused: 0x86 Bad user name or password}; otherwise (no connection, a TLS failure, a full buffer,
 * a packet over the broker's maximum size) it is null and the message and cause say what happened.
 */
public final class MqttClientException extends RuntimeException {
    private final transient ReasonCode reasonCode;
    private final String reasonString;

    /** A failure the broker reported with a reason code, and the Reason String it gave (null when none). */
    public MqttClientException(String what, ReasonCode reasonCode, String reasonString) {
        super(what + ": " + describe(reasonCode) + (reasonString == null ? "" : " (" + reasonString + ")"));
        this.reasonCode = reasonCode;
        this.reasonString = reasonString;
    }

    /** A failure on the client's side, or of the network. */
    public MqttClientException(String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = null;
        this.reasonString = null;
    }

    /** A failure on the client's side. */
    public MqttClientException(String message) {
        this(message, (Throwable) null);
    }

    /** The broker's reason code, or null when the failure did not come from the broker. */
    public ReasonCode reasonCode() {
        return reasonCode;
    }

    /** The Reason String the broker added (MQTT 5.0), or null. */
    public String reasonString() {
        return reasonString;
    }

    /** A reason code as people read it: {@code 0x86 Bad user name or password}. */
    public static String describe(ReasonCode code) {
        String name = code.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        name = (Character.toUpperCase(name.charAt(0)) + name.substring(1)).replace("Qos", "QoS");
        return String.format("0x%02X %s", code.value(), name);
    }
}
