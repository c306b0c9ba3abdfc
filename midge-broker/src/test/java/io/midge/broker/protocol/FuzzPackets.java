package io.midge.broker.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Structured but random packets for {@link ConnectionFuzzTest}, drawn from Jazzer's {@link FuzzedDataProvider}: a
 * valid CONNECT with random properties and will, then reads of raw bytes, of a valid fixed header of any type over a
 * random body, or of well-formed packets with random fields, property sets (any property, in range or not) and packet
 * identifiers (mostly a few, so that they collide), some split across two reads. The fuzzer steers every choice.
 */
final class FuzzPackets {
    private static final String[] TOPICS = {"a", "a/b", "fuzz/x", "$SYS/x", "", "+", "a/#", "/", "a//b"};
    private static final String[] FILTERS = {"#", "+", "a/+", "a/#", "fuzz/#", "$share/g/a", "$share/g/#", "$share//a",
        "$SYS/#", "", "a/#/b", "+/+"};
    /** Encodings for the fuzz: unpooled heap buffers, which only live inside this class. */
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);

    private final FuzzedDataProvider data;
    private final MqttVersion version;
    /** The tail of a packet split across two reads, sent first in the next one. */
    private byte[] pending = new byte[0];

    FuzzPackets(FuzzedDataProvider data, MqttVersion version) {
        this.data = data;
        this.version = version;
    }

    /** A subscription to everything at QoS 2, for a client that makes the broker route what it gets. */
    static Subscribe subscribeEverything() {
        return new Subscribe(1, List.of(new Subscription("#", 2)), MqttProperties.EMPTY);
    }

    /** A CONNECT the broker accepts: random flags, keep-alive, 5.0 properties in range, and maybe a will. */
    Connect connect() {
        boolean cleanStart = data.consumeBoolean();
        String clientId = version != MqttVersion.MQTT_3_1 && cleanStart && data.consumeBoolean() ? "" : "fuzz";
        int keepAlive = data.consumeInt(0, 0xFFFF);
        MqttProperties properties = MqttProperties.EMPTY;
        if (version.isV5()) {
            MqttProperties.Builder b = MqttProperties.builder();
            if (data.consumeBoolean()) {
                b.add(PropertyId.SESSION_EXPIRY_INTERVAL, data.consumeLong(0, 0xFFFF_FFFFL));
            }
            if (data.consumeBoolean()) {
                b.add(PropertyId.RECEIVE_MAXIMUM, data.consumeInt(1, 0xFFFF));
            }
            if (data.consumeBoolean()) {
                // Room for the CONNACK with an assigned identifier and response information, which cannot be cut
                // (smaller: no CONNACK at all, MQTT-3.1.2-24); smaller sizes only drop what the broker sends.
                b.add(PropertyId.MAXIMUM_PACKET_SIZE, data.consumeLong(512, 0xFFFF_FFFFL));
            }
            if (data.consumeBoolean()) {
                b.add(PropertyId.TOPIC_ALIAS_MAXIMUM, data.consumeInt(0, 0xFFFF));
            }
            if (data.consumeBoolean()) {
                b.add(PropertyId.REQUEST_RESPONSE_INFORMATION, data.consumeInt(0, 1));
            }
            if (data.consumeBoolean()) {
                b.add(PropertyId.REQUEST_PROBLEM_INFORMATION, data.consumeInt(0, 1));
            }
            if (data.consumeBoolean()) {
                b.userProperty(validString(8), validString(8));
            }
            properties = b.build();
        }
        Will will = null;
        if (data.consumeBoolean()) {
            MqttProperties willProperties = MqttProperties.EMPTY;
            if (version.isV5() && data.consumeBoolean()) {
                willProperties = MqttProperties.builder()
                        .add(PropertyId.WILL_DELAY_INTERVAL, data.consumeLong(0, 0xFFFF_FFFFL))
                        .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, data.consumeLong(0, 0xFFFF_FFFFL))
                        .build();
            }
            will = new Will(data.pickValue(new String[] {"will", "fuzz/will", "a/b"}),
                    Binary.of(data.consumeBytes(16)), data.consumeInt(0, 2), data.consumeBoolean(), willProperties);
        }
        return new Connect(version, clientId, cleanStart, keepAlive, null, null, will, properties);
    }

    /** The bytes of the next read. */
    byte[] nextRead() {
        byte[] bytes = nextBytes();
        if (pending.length > 0) {
            bytes = concat(pending, bytes);
            pending = new byte[0];
        }
        if (bytes.length > 1 && data.consumeInt(0, 7) == 0) {
            int cut = data.consumeInt(1, bytes.length - 1);
            pending = Arrays.copyOfRange(bytes, cut, bytes.length);
            bytes = Arrays.copyOf(bytes, cut);
        }
        return bytes;
    }

    private byte[] nextBytes() {
        int kind = data.consumeInt(0, 13);
        try {
            return switch (kind) {
                case 0 -> data.consumeBytes(data.consumeInt(0, 64));
                case 1 -> randomBody();
                case 2, 3 -> encode(publish());
                case 4 -> encode(new PubAck(packetId(), reasonCode(PacketType.PUBACK), properties(PacketType.PUBACK)));
                case 5 -> encode(new PubRec(packetId(), reasonCode(PacketType.PUBREC), properties(PacketType.PUBREC)));
                case 6 -> encode(new PubRel(packetId(), reasonCode(PacketType.PUBREL), properties(PacketType.PUBREL)));
                case 7 -> encode(new PubComp(packetId(), reasonCode(PacketType.PUBCOMP),
                        properties(PacketType.PUBCOMP)));
                case 8 -> encode(subscribe());
                case 9 -> encode(new Unsubscribe(packetId(), filters(), properties(PacketType.UNSUBSCRIBE)));
                case 10 -> encode(PingReq.INSTANCE);
                case 11 -> encode(new Disconnect(reasonCode(PacketType.DISCONNECT), properties(PacketType.DISCONNECT)));
                case 12 -> encode(new Auth(reasonCode(PacketType.AUTH), properties(PacketType.AUTH)));
                default -> concat(encode(publish()), encode(publish()));
            };
        } catch (IllegalArgumentException e) {
            // A value the packet's record refuses (or AUTH before 5.0): the fuzz gets raw bytes instead.
            return data.consumeBytes(data.consumeInt(0, 16));
        }
    }

    /** A valid fixed header of any type (the flags its type requires, any for PUBLISH) over random bytes. */
    private byte[] randomBody() {
        int type = data.consumeInt(1, 15);
        PacketType packetType = PacketType.ofCode(type);
        int flags = packetType == PacketType.PUBLISH ? data.consumeInt(0, 15) : packetType.requiredFlags();
        byte[] body = data.consumeBytes(data.consumeInt(0, 40));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type << 4 | flags);
        int remaining = body.length;
        do {
            int digit = remaining & 0x7F;
            remaining >>>= 7;
            out.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private Publish publish() {
        int qos = data.consumeInt(0, 2);
        boolean dup = qos > 0 && data.consumeBoolean();
        return new Publish(topic(), qos, data.consumeBoolean(), dup, qos == 0 ? 0 : packetId(),
                properties(PacketType.PUBLISH), Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(0, 24))));
    }

    private Subscribe subscribe() {
        List<Subscription> subscriptions = new ArrayList<>();
        int n = data.consumeInt(1, 3);
        for (int i = 0; i < n; i++) {
            int options = data.consumeInt(0, 0x3F);
            subscriptions.add(new Subscription(filter(), options & 0x03, (options & 0x04) != 0,
                    (options & 0x08) != 0, (options >> 4) & 0x03));
        }
        return new Subscribe(packetId(), subscriptions, properties(PacketType.SUBSCRIBE));
    }

    private List<String> filters() {
        List<String> filters = new ArrayList<>();
        int n = data.consumeInt(1, 3);
        for (int i = 0; i < n; i++) {
            filters.add(filter());
        }
        return filters;
    }

    private String topic() {
        return data.consumeInt(0, 4) == 0 ? data.consumeString(12) : data.pickValue(TOPICS);
    }

    private String filter() {
        return data.consumeInt(0, 4) == 0 ? data.consumeString(12) : data.pickValue(FILTERS);
    }

    /** Mostly one of a few identifiers, so that they meet the ones in flight; never the final check's. */
    private int packetId() {
        return data.consumeBoolean() ? data.consumeInt(1, 4) : data.consumeInt(1, 65534);
    }

    private ReasonCode reasonCode(PacketType type) {
        List<ReasonCode> allowed = new ArrayList<>();
        for (ReasonCode code : ReasonCode.values()) {
            if (code.allowedIn(type)) {
                allowed.add(code);
            }
        }
        return data.consumeBoolean() ? ReasonCode.of(type, 0) != null ? ReasonCode.of(type, 0) : allowed.get(0)
                : data.pickValue(allowed);
    }

    /** Up to three properties, usually ones the packet may carry, with values in range or not. */
    private MqttProperties properties(PacketType type) {
        if (!version.isV5()) {
            return MqttProperties.EMPTY;
        }
        MqttProperties.Builder b = MqttProperties.builder();
        int n = data.consumeInt(0, 3);
        PropertyId[] all = PropertyId.values();
        for (int i = 0; i < n; i++) {
            PropertyId id = data.pickValue(all);
            if (!id.allowedIn(type) && data.consumeInt(0, 3) != 0) {
                continue;
            }
            switch (id.type()) {
                case BYTE -> b.add(id, data.consumeInt(0, 2));
                case TWO_BYTE_INTEGER -> b.add(id, data.consumeBoolean() ? data.consumeInt(0, 5)
                        : data.consumeInt(0, 0xFFFF));
                case FOUR_BYTE_INTEGER -> b.add(id, data.consumeLong(0, 0xFFFF_FFFFL));
                case VARIABLE_BYTE_INTEGER -> b.add(id, data.consumeInt(0, 268_435_455));
                case UTF8_STRING -> b.add(id, data.consumeString(12));
                case BINARY_DATA -> b.add(id, Binary.of(data.consumeBytes(12)));
                case UTF8_STRING_PAIR -> b.add(new MqttProperties.Property(id,
                        new UserProperty(data.consumeString(8), data.consumeString(8))));
            }
        }
        return b.build();
    }

    /** A string without U+0000 or surrogates, for the fields of the CONNECT that must be accepted. */
    private String validString(int maxLength) {
        return data.consumeAsciiString(maxLength).replace('\0', '_');
    }

    /** The packet's bytes in the client's version; a PUBLISH's payload is released. */
    private byte[] encode(MqttPacket packet) {
        ByteBuf buf;
        try {
            buf = MqttEncoder.encode(ALLOC, packet, version);
        } finally {
            if (packet instanceof Publish publish) {
                publish.release();
            }
        }
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
