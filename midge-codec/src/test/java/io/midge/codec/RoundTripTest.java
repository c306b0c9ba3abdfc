package io.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubComp;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.PubRel;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every packet type of every version goes through encode, decode and encode again: the decoded value equals the
 * original and the second encoding has exactly the bytes of the first. Known byte sequences pin the wire format.
 */
class RoundTripTest {
    private static final MqttProperties PUBLISH_PROPERTIES = MqttProperties.builder()
            .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
            .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 4_000_000_000L)
            .add(PropertyId.CONTENT_TYPE, "application/json")
            .add(PropertyId.RESPONSE_TOPIC, "reply/to/me")
            .add(PropertyId.CORRELATION_DATA, Binary.of(new byte[] {0, 1, 2, (byte) 0xFF}))
            .add(PropertyId.TOPIC_ALIAS, 7)
            .userProperty("a", "1")
            .userProperty("a", "2")
            .build();

    private static ByteBuf payload(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    /** Packets a client sends, per version. */
    static Stream<Arguments> clientPackets() {
        List<Arguments> all = new ArrayList<>();
        for (MqttVersion version : MqttVersion.values()) {
            boolean v5 = version.isV5();
            MqttProperties reason = v5 ? MqttProperties.builder().add(PropertyId.REASON_STRING, "why")
                    .userProperty("k", "v").build() : MqttProperties.EMPTY;
            all.add(Arguments.of(version, new Publish("a/b", 0, false, false, 0, MqttProperties.EMPTY,
                    payload("hello"))));
            all.add(Arguments.of(version, new Publish("sensors/温度", 1, true, true, 1,
                    v5 ? PUBLISH_PROPERTIES : MqttProperties.EMPTY, payload("x".repeat(3000)))));
            all.add(Arguments.of(version, new Publish("t", 2, false, false, 65535, MqttProperties.EMPTY,
                    Unpooled.EMPTY_BUFFER)));
            all.add(Arguments.of(version, new PubAck(1)));
            all.add(Arguments.of(version, new PubRec(2)));
            all.add(Arguments.of(version, new PubRel(3)));
            all.add(Arguments.of(version, new PubComp(4)));
            if (v5) {
                all.add(Arguments.of(version, new PubAck(5, ReasonCode.NO_MATCHING_SUBSCRIBERS, MqttProperties.EMPTY)));
                all.add(Arguments.of(version, new PubRec(6, ReasonCode.QUOTA_EXCEEDED, reason)));
                all.add(Arguments.of(version, new PubRel(7, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, reason)));
                all.add(Arguments.of(version, new PubComp(8, ReasonCode.SUCCESS, reason)));
                all.add(Arguments.of(version, new Publish("", 0, false, false, 0,
                        MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, 3).build(), payload("aliased"))));
            }
            all.add(Arguments.of(version, new Subscribe(10, List.of(
                    new Subscription("a/+/c", 0), new Subscription("#", 1), new Subscription("x/y", 2)),
                    MqttProperties.EMPTY)));
            if (v5) {
                all.add(Arguments.of(version, new Subscribe(11, List.of(
                        new Subscription("a/b", 2, true, true, 2),
                        new Subscription("$share/group/a/#", 1, false, true, 1)),
                        MqttProperties.builder().add(PropertyId.SUBSCRIPTION_IDENTIFIER, 268_435_455)
                                .userProperty("u", "p").build())));
            }
            all.add(Arguments.of(version, new Unsubscribe(12, List.of("a/+/c", "#"),
                    v5 ? MqttProperties.builder().userProperty("u", "p").build() : MqttProperties.EMPTY)));
            all.add(Arguments.of(version, PingReq.INSTANCE));
            all.add(Arguments.of(version, Disconnect.NORMAL));
            if (v5) {
                all.add(Arguments.of(version, new Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE)));
                all.add(Arguments.of(version, new Disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.builder()
                        .add(PropertyId.SESSION_EXPIRY_INTERVAL, 0xFFFF_FFFFL).add(PropertyId.REASON_STRING, "bye")
                        .userProperty("k", "v").build())));
                all.add(Arguments.of(version, new Auth(ReasonCode.SUCCESS, MqttProperties.EMPTY)));
                all.add(Arguments.of(version, new Auth(ReasonCode.CONTINUE_AUTHENTICATION, MqttProperties.builder()
                        .add(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-256")
                        .add(PropertyId.AUTHENTICATION_DATA, Binary.utf8("n,,n=user,r=abc"))
                        .add(PropertyId.REASON_STRING, "go on").userProperty("k", "v").build())));
            }
        }
        return all.stream();
    }

    /** Packets a server sends, per version. */
    static Stream<Arguments> serverPackets() {
        List<Arguments> all = new ArrayList<>();
        for (MqttVersion version : MqttVersion.values()) {
            boolean v5 = version.isV5();
            all.add(Arguments.of(version, new ConnAck(false, ReasonCode.SUCCESS, MqttProperties.EMPTY)));
            all.add(Arguments.of(version, new ConnAck(true, ReasonCode.SUCCESS, MqttProperties.EMPTY)));
            all.add(Arguments.of(version, new ConnAck(false, ReasonCode.NOT_AUTHORIZED, MqttProperties.EMPTY)));
            all.add(Arguments.of(version, new SubAck(9, List.of(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1,
                    ReasonCode.GRANTED_QOS_2, ReasonCode.UNSPECIFIED_ERROR), MqttProperties.EMPTY)));
            all.add(Arguments.of(version, PingResp.INSTANCE));
            all.add(Arguments.of(version, new Publish("to/client", 1, false, false, 42, MqttProperties.EMPTY,
                    payload("down"))));
            if (v5) {
                all.add(Arguments.of(version, new ConnAck(true, ReasonCode.SUCCESS, MqttProperties.builder()
                        .add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600)
                        .add(PropertyId.RECEIVE_MAXIMUM, 20)
                        .add(PropertyId.MAXIMUM_QOS, 1)
                        .add(PropertyId.RETAIN_AVAILABLE, 1)
                        .add(PropertyId.MAXIMUM_PACKET_SIZE, 1 << 20)
                        .add(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, "midge-123")
                        .add(PropertyId.TOPIC_ALIAS_MAXIMUM, 10)
                        .add(PropertyId.REASON_STRING, "welcome")
                        .userProperty("k", "v")
                        .add(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE, 1)
                        .add(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 1)
                        .add(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE, 0)
                        .add(PropertyId.SERVER_KEEP_ALIVE, 60)
                        .add(PropertyId.RESPONSE_INFORMATION, "resp/")
                        .add(PropertyId.SERVER_REFERENCE, "other:1883")
                        .add(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-256")
                        .add(PropertyId.AUTHENTICATION_DATA, Binary.utf8("server-final"))
                        .build())));
                all.add(Arguments.of(version, new ConnAck(false, ReasonCode.QUOTA_EXCEEDED, MqttProperties.EMPTY)));
                all.add(Arguments.of(version, new SubAck(10, List.of(ReasonCode.TOPIC_FILTER_INVALID,
                        ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED), MqttProperties.builder()
                        .add(PropertyId.REASON_STRING, "no").build())));
                all.add(Arguments.of(version, new UnsubAck(11, List.of(ReasonCode.SUCCESS,
                        ReasonCode.NO_SUBSCRIPTION_EXISTED), MqttProperties.EMPTY)));
                all.add(Arguments.of(version, new Publish("to/client", 0, false, false, 0, MqttProperties.builder()
                        .add(PropertyId.SUBSCRIPTION_IDENTIFIER, 1).add(PropertyId.SUBSCRIPTION_IDENTIFIER, 300)
                        .build(), payload("two ids"))));
                all.add(Arguments.of(version, new Disconnect(ReasonCode.SESSION_TAKEN_OVER)));
                all.add(Arguments.of(version, new Disconnect(ReasonCode.USE_ANOTHER_SERVER, MqttProperties.builder()
                        .add(PropertyId.SERVER_REFERENCE, "b:1883").build())));
            } else {
                all.add(Arguments.of(version, new UnsubAck(11, List.of(), MqttProperties.EMPTY)));
            }
        }
        return all.stream();
    }

    static Stream<Arguments> connectPackets() {
        List<Arguments> all = new ArrayList<>();
        for (MqttVersion version : MqttVersion.values()) {
            boolean v5 = version.isV5();
            all.add(Arguments.of(new Connect(version, "c1", true, 60, null, null, null, MqttProperties.EMPTY)));
            MqttProperties willProperties = v5 ? MqttProperties.builder()
                    .add(PropertyId.WILL_DELAY_INTERVAL, 5)
                    .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                    .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 10)
                    .add(PropertyId.CONTENT_TYPE, "text/plain")
                    .add(PropertyId.RESPONSE_TOPIC, "r")
                    .add(PropertyId.CORRELATION_DATA, Binary.utf8("c"))
                    .userProperty("w", "1").build() : MqttProperties.EMPTY;
            MqttProperties connectProperties = v5 ? MqttProperties.builder()
                    .add(PropertyId.SESSION_EXPIRY_INTERVAL, 120)
                    .add(PropertyId.RECEIVE_MAXIMUM, 100)
                    .add(PropertyId.MAXIMUM_PACKET_SIZE, 65536)
                    .add(PropertyId.TOPIC_ALIAS_MAXIMUM, 5)
                    .add(PropertyId.REQUEST_RESPONSE_INFORMATION, 1)
                    .add(PropertyId.REQUEST_PROBLEM_INFORMATION, 0)
                    .userProperty("client", "midge")
                    .add(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-256")
                    .add(PropertyId.AUTHENTICATION_DATA, Binary.utf8("client-first"))
                    .build() : MqttProperties.EMPTY;
            all.add(Arguments.of(new Connect(version, "sensor-17", false, 65535, "user", Binary.utf8("secret"),
                    new Will("dead/sensor-17", Binary.of(new byte[] {1, 2, 3}), 2, true, willProperties),
                    connectProperties)));
            if (v5) {
                all.add(Arguments.of(new Connect(version, "", false, 0, null, Binary.utf8("pw-only"), null,
                        MqttProperties.EMPTY)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("clientPackets")
    void packetsFromAClientRoundTripByteForByte(MqttVersion version, MqttPacket packet) {
        assertRoundTrip(packet, version, serverDecoderAfterConnect(version));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("serverPackets")
    void packetsFromAServerRoundTripByteForByte(MqttVersion version, MqttPacket packet) {
        assertRoundTrip(packet, version, MqttDecoder.forClient(version, MqttDecoder.MAX_PACKET_SIZE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectPackets")
    void connectRoundTripsByteForByte(Connect connect) {
        MqttDecoder decoder = MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE);
        assertRoundTrip(connect, connect.version(), decoder);
        assertThat(decoder.version()).isEqualTo(connect.version());
    }

    @ParameterizedTest
    @EnumSource(PropertyId.class)
    @DisplayName("every MQTT 5 property round-trips in every packet that may carry it, and in a will")
    void everyPropertyRoundTripsWhereverItIsAllowed(PropertyId id) {
        MqttVersion v5 = MqttVersion.MQTT_5;
        MqttProperties.Builder builder = MqttProperties.builder();
        if (id == PropertyId.AUTHENTICATION_DATA) {
            builder.add(PropertyId.AUTHENTICATION_METHOD, "m"); // data needs a method
        }
        MqttProperties props = builder.add(new MqttProperties.Property(id, sampleValue(id))).build();
        int checked = 0;
        for (PacketType type : PacketType.values()) {
            if (!id.allowedIn(type)) {
                continue;
            }
            MqttPacket packet = switch (type) {
                case CONNECT -> new Connect(v5, "c", true, 10, null, null, null, props);
                case CONNACK -> new ConnAck(false, ReasonCode.SUCCESS, props);
                case PUBLISH -> new Publish("t", 1, false, false, 1, props, payload("p"));
                case PUBACK -> new PubAck(1, ReasonCode.SUCCESS, props);
                case PUBREC -> new PubRec(1, ReasonCode.SUCCESS, props);
                case PUBREL -> new PubRel(1, ReasonCode.SUCCESS, props);
                case PUBCOMP -> new PubComp(1, ReasonCode.SUCCESS, props);
                case SUBSCRIBE -> new Subscribe(1, List.of(new Subscription("t", 1)), props);
                case SUBACK -> new SubAck(1, List.of(ReasonCode.GRANTED_QOS_1), props);
                case UNSUBSCRIBE -> new Unsubscribe(1, List.of("t"), props);
                case UNSUBACK -> new UnsubAck(1, List.of(ReasonCode.SUCCESS), props);
                case DISCONNECT -> new Disconnect(ReasonCode.NORMAL_DISCONNECTION, props);
                case AUTH -> new Auth(ReasonCode.CONTINUE_AUTHENTICATION, props);
                default -> throw new AssertionError(type + " carries no properties");
            };
            boolean fromServer = switch (type) {
                case CONNACK, SUBACK, UNSUBACK, PUBLISH -> true;
                default -> false;
            };
            MqttDecoder decoder = fromServer ? MqttDecoder.forClient(v5, MqttDecoder.MAX_PACKET_SIZE)
                    : type == PacketType.CONNECT ? MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE)
                    : serverDecoderAfterConnect(v5);
            assertRoundTrip(packet, v5, decoder);
            checked++;
        }
        if (id.allowedInWill()) {
            Will will = new Will("w", Binary.utf8("gone"), 1, false, props);
            assertRoundTrip(new Connect(v5, "c", true, 10, null, null, will, MqttProperties.EMPTY), v5,
                    MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE));
            checked++;
        }
        assertThat(checked).as("%s appears somewhere", id).isPositive();
    }

    private static Object sampleValue(PropertyId id) {
        return switch (id.type()) {
            case BYTE -> 1L;
            case TWO_BYTE_INTEGER -> 0xABCDL;
            case FOUR_BYTE_INTEGER -> 0xFFFF_FFFEL;
            case VARIABLE_BYTE_INTEGER -> 200_000L;
            case UTF8_STRING -> "value/µ";
            case BINARY_DATA -> Binary.of(new byte[] {0, (byte) 0x80, (byte) 0xFF});
            case UTF8_STRING_PAIR -> new io.midge.codec.property.UserProperty("name", "välue");
        };
    }

    @Test
    @DisplayName("known bytes: a 3.1.1 CONNECT, a QoS 1 PUBLISH, and the short forms of 5.0 acknowledgements")
    void knownBytes() {
        assertEncodes(new Connect(MqttVersion.MQTT_3_1_1, "ab", true, 60, null, null, null, MqttProperties.EMPTY),
                MqttVersion.MQTT_3_1_1, "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 61 62");
        assertEncodes(new Connect(MqttVersion.MQTT_3_1, "ab", true, 60, null, null, null, MqttProperties.EMPTY),
                MqttVersion.MQTT_3_1, "10 10 00 06 4d 51 49 73 64 70 03 02 00 3c 00 02 61 62");
        assertEncodes(new Connect(MqttVersion.MQTT_5, "ab", true, 60, null, null, null, MqttProperties.EMPTY),
                MqttVersion.MQTT_5, "10 0f 00 04 4d 51 54 54 05 02 00 3c 00 00 02 61 62");
        Publish publish = new Publish("a/b", 1, true, false, 10, MqttProperties.EMPTY, payload("hi"));
        try {
            assertEncodes(publish, MqttVersion.MQTT_3_1_1, "33 09 00 03 61 2f 62 00 0a 68 69");
            assertEncodes(publish, MqttVersion.MQTT_5, "33 0a 00 03 61 2f 62 00 0a 00 68 69");
        } finally {
            publish.release();
        }
        assertEncodes(new PubAck(10), MqttVersion.MQTT_5, "40 02 00 0a");
        assertEncodes(new PubRec(10, ReasonCode.NO_MATCHING_SUBSCRIBERS, MqttProperties.EMPTY), MqttVersion.MQTT_5,
                "50 03 00 0a 10");
        assertEncodes(new PubRel(10), MqttVersion.MQTT_3_1_1, "62 02 00 0a");
        assertEncodes(Disconnect.NORMAL, MqttVersion.MQTT_5, "e0 00");
        assertEncodes(new Disconnect(ReasonCode.SESSION_TAKEN_OVER), MqttVersion.MQTT_5, "e0 01 8e");
        assertEncodes(new ConnAck(true, ReasonCode.SUCCESS, MqttProperties.EMPTY), MqttVersion.MQTT_3_1_1,
                "20 02 01 00");
        assertEncodes(new ConnAck(false, ReasonCode.BAD_USER_NAME_OR_PASSWORD, MqttProperties.EMPTY),
                MqttVersion.MQTT_3_1_1, "20 02 00 04");
        assertEncodes(new ConnAck(false, ReasonCode.BAD_USER_NAME_OR_PASSWORD, MqttProperties.EMPTY),
                MqttVersion.MQTT_5, "20 03 00 86 00");
        assertEncodes(new SubAck(1, List.of(ReasonCode.GRANTED_QOS_1, ReasonCode.NOT_AUTHORIZED),
                MqttProperties.EMPTY), MqttVersion.MQTT_3_1_1, "90 04 00 01 01 80");
        assertEncodes(new Subscribe(1, List.of(new Subscription("a/#", 2, true, true, 2)), MqttProperties.EMPTY),
                MqttVersion.MQTT_5, "82 09 00 01 00 00 03 61 2f 23 2e");
        assertEncodes(PingReq.INSTANCE, MqttVersion.MQTT_3_1_1, "c0 00");
    }

    @Test
    @DisplayName("a 5.0 acknowledgement with its reason code but no property length decodes (MQTT 5.0 3.4.2.1)")
    void acknowledgementWithReasonCodeAndNoPropertyLength() {
        MqttDecoder decoder = serverDecoderAfterConnect(MqttVersion.MQTT_5);
        ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("400300 0a 00".replace(" ", "")));
        try {
            assertThat(decoder.decode(in)).isEqualTo(new PubAck(10));
        } finally {
            in.release();
        }
    }

    @Test
    @DisplayName("a large PUBLISH payload is shared with the encoded buffer, not copied")
    void largePayloadIsSharedNotCopied() {
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024).writeZero(64 * 1024);
        Publish publish = new Publish("big", 0, false, false, 0, MqttProperties.EMPTY, payload);
        ByteBuf encoded = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, publish, MqttVersion.MQTT_5);
        try {
            assertThat(payload.refCnt()).as("the encoded buffer holds its own reference").isEqualTo(2);
            assertThat(encoded.readableBytes()).isEqualTo(MqttEncoder.encodedSize(publish, MqttVersion.MQTT_5));
        } finally {
            encoded.release();
            publish.release();
        }
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    @DisplayName("a decoded PUBLISH payload is a slice of the read buffer, not a copy")
    void decodedPayloadIsASliceOfTheInput() {
        Publish publish = new Publish("a", 0, false, false, 0, MqttProperties.EMPTY, payload("payload"));
        ByteBuf in = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, publish, MqttVersion.MQTT_3_1_1);
        publish.release();
        MqttDecoder decoder = MqttDecoder.forClient(MqttVersion.MQTT_3_1_1, 1024);
        Publish decoded = (Publish) decoder.decode(in);
        try {
            // Writing into the input shows through the payload: they share memory.
            in.setByte(in.writerIndex() - 1, 'X');
            assertThat(decoded.payload().toString(StandardCharsets.UTF_8)).isEqualTo("payloaX");
            assertThat(in.refCnt()).as("the slice keeps the input alive").isEqualTo(2);
        } finally {
            decoded.release();
            in.release();
        }
        assertThat(in.refCnt()).isZero();
    }

    private static void assertEncodes(MqttPacket packet, MqttVersion version, String hex) {
        ByteBuf encoded = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, packet, version);
        try {
            assertThat(ByteBufUtil.hexDump(encoded)).isEqualTo(hex.replace(" ", ""));
        } finally {
            encoded.release();
        }
    }

    static MqttDecoder serverDecoderAfterConnect(MqttVersion version) {
        MqttDecoder decoder = MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE);
        ByteBuf connect = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT,
                new Connect(version, "c", true, 0, null, null, null, MqttProperties.EMPTY), version);
        try {
            assertThat(decoder.decode(connect)).isInstanceOf(Connect.class);
        } finally {
            connect.release();
        }
        return decoder;
    }

    /** Appended after other bytes into a small buffer (which must grow), the packet reads as {@code encode} made it. */
    private static void assertEncodesIntoTheSameBytes(MqttPacket packet, MqttVersion version, byte[] expected) {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.buffer(4);
        try {
            out.writeByte(0x7F);
            assertThat(MqttEncoder.encodeInto(out, packet, version)).isEqualTo(expected.length);
            assertThat(out.readByte()).isEqualTo((byte) 0x7F);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(expected);
        } finally {
            out.release();
        }
    }

    static void assertRoundTrip(MqttPacket packet, MqttVersion version, MqttDecoder decoder) {
        ByteBuf first = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, packet, version);
        ByteBuf second = null;
        MqttPacket decoded = null;
        try {
            assertThat(first.readableBytes()).isEqualTo(MqttEncoder.encodedSize(packet, version));
            byte[] firstBytes = ByteBufUtil.getBytes(first);
            assertEncodesIntoTheSameBytes(packet, version, firstBytes);
            decoded = decoder.decode(first);
            assertThat(first.isReadable()).as("the decoder consumed the whole packet").isFalse();
            assertThat(decoded).isEqualTo(packet);
            second = MqttEncoder.encode(PooledByteBufAllocator.DEFAULT, decoded, version);
            assertThat(ByteBufUtil.getBytes(second)).isEqualTo(firstBytes);
        } finally {
            first.release();
            if (second != null) {
                second.release();
            }
            if (decoded instanceof Publish p) {
                p.release();
            }
            if (packet instanceof Publish p) {
                p.release();
            }
        }
    }
}
