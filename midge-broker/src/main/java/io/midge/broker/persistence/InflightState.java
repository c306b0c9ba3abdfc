package io.midge.broker.persistence;

/** Where an outbound QoS 1 or 2 delivery stands. */
public enum InflightState {
    /** QoS 1 PUBLISH sent, waiting for PUBACK. */
    AWAITING_PUBACK(1),
    /** QoS 2 PUBLISH sent, waiting for PUBREC. */
    AWAITING_PUBREC(2),
    /** QoS 2 PUBREC received and PUBREL sent, waiting for PUBCOMP: only the packet identifier is left to send. */
    AWAITING_PUBCOMP(3);

    private final int code;

    InflightState(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    static InflightState ofCode(int code) {
        for (InflightState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalStateException("unknown in-flight state " + code);
    }
}
