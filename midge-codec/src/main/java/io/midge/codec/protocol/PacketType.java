package io.midge.codec.protocol;

/** The fifteen control packet types and the value of their fixed header's upper nibble. */
public enum PacketType {
    CONNECT(1),
    CONNACK(2),
    PUBLISH(3),
    PUBACK(4),
    PUBREC(5),
    PUBREL(6),
    PUBCOMP(7),
    SUBSCRIBE(8),
    SUBACK(9),
    UNSUBSCRIBE(10),
    UNSUBACK(11),
    PINGREQ(12),
    PINGRESP(13),
    DISCONNECT(14),
    AUTH(15);

    private static final PacketType[] BY_CODE = new PacketType[16];

    static {
        for (PacketType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    PacketType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a fixed header's upper nibble; null for the reserved value 0. */
    public static PacketType ofCode(int code) {
        return BY_CODE[code & 0x0F];
    }

    /** The fixed-header flags (lower nibble) every packet but PUBLISH must carry. */
    public int requiredFlags() {
        return this == SUBSCRIBE || this == UNSUBSCRIBE || this == PUBREL ? 0b0010 : 0;
    }
}
