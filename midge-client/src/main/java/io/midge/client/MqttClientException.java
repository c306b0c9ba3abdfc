package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
import java.util.Locale;

/**
 * Why an operation of the client failed. {@link #kind()} says what went wrong, for code to act on; the message says
 * it for people. When the broker said no (a CONNACK, PUBACK, PUBREC, SUBACK or DISCONNECT with an error code),
 * {@link #reasonCode()} is that code and the message spells it out, as in
 * {@code connection refused: 0x86 Bad user name or password}; otherwise it is null and the message and cause say what
 * happened.
 */
public final class MqttClientException extends RuntimeException {
    /** What went wrong. */
    public enum Kind {
        /** The broker refused the connection: its CONNACK's {@link #reasonCode()}. */
        CONNECT_REFUSED,
        /** The {@link EnhancedAuthenticator} gave up on the broker's challenge. */
        AUTHENTICATION_FAILED,
        /** No TCP connection to the broker's host and port. */
        UNREACHABLE,
        /** The TLS settings are unusable, or the TLS handshake failed. */
        TLS,
        /** No CONNACK within the connect timeout, nothing from the broker for 1.5 keep-alive periods, or a blocking
         *  call's timeout elapsed. */
        TIMEOUT,
        /** The connection ended without a DISCONNECT from the broker (or before CONNACK). */
        CONNECTION_LOST,
        /** The broker sent DISCONNECT: its {@link #reasonCode()}. */
        DISCONNECTED_BY_BROKER,
        /** The broker broke the protocol (a malformed or unexpected packet, a topic alias it did not set). */
        PROTOCOL,
        /** The broker refused a publish: the {@link #reasonCode()} of its PUBACK or PUBREC. */
        PUBLISH_REFUSED,
        /** A publish was not sent because the broker could not take it: a QoS above its Maximum QoS, or a packet
         *  over its Maximum Packet Size. */
        OVER_BROKER_LIMIT,
        /** The offline buffer was full. */
        BUFFER_FULL,
        /** The offline buffer could not store a message. */
        STORAGE,
        /** The broker refused every topic filter of a SUBSCRIBE: the {@link #reasonCode()} of the first. */
        SUBSCRIBE_REFUSED,
        /** The operation needs a connection and there was none. */
        NOT_CONNECTED,
        /** The operation needs what this client does not have (re-authentication needs MQTT 5.0 and an
         *  {@link EnhancedAuthenticator}). */
        UNSUPPORTED,
        /** {@link MidgeClient#disconnect()} was called while {@link MidgeClient#connect()} waited. */
        CANCELLED,
        /** The client was closed. */
        CLOSED,
        /** A blocking call was interrupted. */
        INTERRUPTED,
        /** A failure the client did not foresee; the cause says what. */
        UNEXPECTED
    }

    private final Kind kind;
    private final transient ReasonCode reasonCode;
    private final String reasonString;

    /** A failure the broker reported with a reason code, and the Reason String it gave (null when none). */
    public MqttClientException(Kind kind, String what, ReasonCode reasonCode, String reasonString) {
        super(what + ": " + describe(reasonCode) + (reasonString == null ? "" : " (" + reasonString + ")"));
        this.kind = kind;
        this.reasonCode = reasonCode;
        this.reasonString = reasonString;
    }

    /** A failure on the client's side, or of the network. */
    public MqttClientException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.reasonCode = null;
        this.reasonString = null;
    }

    /** A failure on the client's side. */
    public MqttClientException(Kind kind, String message) {
        this(kind, message, (Throwable) null);
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
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
