package io.midge.codec.property;

import static io.midge.codec.protocol.PacketType.AUTH;
import static io.midge.codec.protocol.PacketType.CONNACK;
import static io.midge.codec.protocol.PacketType.CONNECT;
import static io.midge.codec.protocol.PacketType.DISCONNECT;
import static io.midge.codec.protocol.PacketType.PUBACK;
import static io.midge.codec.protocol.PacketType.PUBCOMP;
import static io.midge.codec.protocol.PacketType.PUBLISH;
import static io.midge.codec.protocol.PacketType.PUBREC;
import static io.midge.codec.protocol.PacketType.PUBREL;
import static io.midge.codec.protocol.PacketType.SUBACK;
import static io.midge.codec.protocol.PacketType.SUBSCRIBE;
import static io.midge.codec.protocol.PacketType.UNSUBACK;
import static io.midge.codec.protocol.PacketType.UNSUBSCRIBE;

import io.midge.codec.protocol.PacketType;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every MQTT 5 property (MQTT 5.0 section 2.2.2.2): its identifier, its encoding, and where it may appear. The will
 * properties of CONNECT are a context of their own, marked by {@link #allowedInWill()}.
 */
public enum PropertyId {
    PAYLOAD_FORMAT_INDICATOR(0x01, PropertyType.BYTE, true, PUBLISH),
    MESSAGE_EXPIRY_INTERVAL(0x02, PropertyType.FOUR_BYTE_INTEGER, true, PUBLISH),
    CONTENT_TYPE(0x03, PropertyType.UTF8_STRING, true, PUBLISH),
    RESPONSE_TOPIC(0x08, PropertyType.UTF8_STRING, true, PUBLISH),
    CORRELATION_DATA(0x09, PropertyType.BINARY_DATA, true, PUBLISH),
    SUBSCRIPTION_IDENTIFIER(0x0B, PropertyType.VARIABLE_BYTE_INTEGER, false, PUBLISH, SUBSCRIBE),
    SESSION_EXPIRY_INTERVAL(0x11, PropertyType.FOUR_BYTE_INTEGER, false, CONNECT, CONNACK, DISCONNECT),
    ASSIGNED_CLIENT_IDENTIFIER(0x12, PropertyType.UTF8_STRING, false, CONNACK),
    SERVER_KEEP_ALIVE(0x13, PropertyType.TWO_BYTE_INTEGER, false, CONNACK),
    AUTHENTICATION_METHOD(0x15, PropertyType.UTF8_STRING, false, CONNECT, CONNACK, AUTH),
    AUTHENTICATION_DATA(0x16, PropertyType.BINARY_DATA, false, CONNECT, CONNACK, AUTH),
    REQUEST_PROBLEM_INFORMATION(0x17, PropertyType.BYTE, false, CONNECT),
    WILL_DELAY_INTERVAL(0x18, PropertyType.FOUR_BYTE_INTEGER, true),
    REQUEST_RESPONSE_INFORMATION(0x19, PropertyType.BYTE, false, CONNECT),
    RESPONSE_INFORMATION(0x1A, PropertyType.UTF8_STRING, false, CONNACK),
    SERVER_REFERENCE(0x1C, PropertyType.UTF8_STRING, false, CONNACK, DISCONNECT),
    REASON_STRING(0x1F, PropertyType.UTF8_STRING, false,
            CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH),
    RECEIVE_MAXIMUM(0x21, PropertyType.TWO_BYTE_INTEGER, false, CONNECT, CONNACK),
    TOPIC_ALIAS_MAXIMUM(0x22, PropertyType.TWO_BYTE_INTEGER, false, CONNECT, CONNACK),
    TOPIC_ALIAS(0x23, PropertyType.TWO_BYTE_INTEGER, false, PUBLISH),
    MAXIMUM_QOS(0x24, PropertyType.BYTE, false, CONNACK),
    RETAIN_AVAILABLE(0x25, PropertyType.BYTE, false, CONNACK),
    USER_PROPERTY(0x26, PropertyType.UTF8_STRING_PAIR, true, CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL,
            PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH),
    MAXIMUM_PACKET_SIZE(0x27, PropertyType.FOUR_BYTE_INTEGER, false, CONNECT, CONNACK),
    WILDCARD_SUBSCRIPTION_AVAILABLE(0x28, PropertyType.BYTE, false, CONNACK),
    SUBSCRIPTION_IDENTIFIER_AVAILABLE(0x29, PropertyType.BYTE, false, CONNACK),
    SHARED_SUBSCRIPTION_AVAILABLE(0x2A, PropertyType.BYTE, false, CONNACK);

    private static final PropertyId[] BY_CODE = new PropertyId[0x2B];

    static {
        for (PropertyId id : values()) {
            BY_CODE[id.code] = id;
        }
    }

    private final int code;
    private final PropertyType type;
    private final boolean allowedInWill;
    private final Set<PacketType> packets;

    PropertyId(int code, PropertyType type, boolean allowedInWill, PacketType... packets) {
        this.code = code;
        this.type = type;
        this.allowedInWill = allowedInWill;
        this.packets = packets.length == 0 ? EnumSet.noneOf(PacketType.class) : EnumSet.of(packets[0], packets);
    }

    public int code() {
        return code;
    }

    public PropertyType type() {
        return type;
    }

    public boolean allowedIn(PacketType packet) {
        return packets.contains(packet);
    }

    public boolean allowedInWill() {
        return allowedInWill;
    }

    /**
     * Whether the property may appear more than once in a packet of this type: User Property anywhere, Subscription
     * Identifier in PUBLISH (one per matching subscription) but only once in SUBSCRIBE.
     */
    public boolean repeatableIn(PacketType packet) {
        return this == USER_PROPERTY || (this == SUBSCRIPTION_IDENTIFIER && packet == PacketType.PUBLISH);
    }

    /** The property with this identifier, or null when there is none. */
    public static PropertyId ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
