package io.midge.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.Auth;
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
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The seeds of {@link ConnectionFuzzTest}'s corpus, in its stream form (the packets' bytes, then a last byte of 3 to
 * 5 for 3.1, 3.1.1 or 5.0): every packet a client sends, valid, one per seed and per version, and a whole
 * conversation. They are files in the fuzz test's inputs directory beside the inputs fuzzing found; this test keeps
 * them in step with the encoder and rewrites them with {@code -Dmidge.fuzz.seeds.write=true}.
 */
class ConnectionFuzzSeedsTest {
    static final Path INPUTS = Path.of(
            "src/test/resources/io/midge/broker/protocol/ConnectionFuzzTestInputs/connection");
    private static final String PREFIX = "seed-";
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);

    @Test
    @DisplayName("The connection's fuzz corpus holds every packet a client sends, valid, for 3.1, 3.1.1 and 5.0")
    void seedsAreCurrent() throws IOException {
        Map<String, byte[]> seeds = seeds();
        if (Boolean.getBoolean("midge.fuzz.seeds.write")) {
            Files.createDirectories(INPUTS);
            try (Stream<Path> old = Files.list(INPUTS)) {
                for (Path p : (Iterable<Path>) old::iterator) {
                    if (p.getFileName().toString().startsWith(PREFIX)) {
                        Files.delete(p);
                    }
                }
            }
            for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
                Files.write(INPUTS.resolve(seed.getKey()), seed.getValue());
            }
        }
        Map<String, byte[]> stored = new TreeMap<>();
        try (Stream<Path> files = Files.list(INPUTS)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(PREFIX)) {
                    stored.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        assertThat(stored.keySet()).as("seed files in %s; rewrite them with -Dmidge.fuzz.seeds.write=true", INPUTS)
                .containsExactlyElementsOf(seeds.keySet());
        for (String name : seeds.keySet()) {
            assertThat(stored.get(name)).as("%s; rewrite the seeds with -Dmidge.fuzz.seeds.write=true", name)
                    .isEqualTo(seeds.get(name));
        }
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new TreeMap<>();
        for (MqttVersion version : MqttVersion.values()) {
            String v = switch (version) {
                case MQTT_3_1 -> "3.1";
                case MQTT_3_1_1 -> "3.1.1";
                case MQTT_5 -> "5";
            };
            int selector = 3 + version.ordinal();
            Map<String, List<MqttPacket>> cases = cases(version);
            for (Map.Entry<String, List<MqttPacket>> c : cases.entrySet()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (MqttPacket packet : c.getValue()) {
                    out.writeBytes(encode(packet, version));
                }
                out.write(selector);
                seeds.put(PREFIX + v + "-" + c.getKey(), out.toByteArray());
            }
        }
        return seeds;
    }

    /** Named packet sequences; in 5.0 with properties, reason codes and topic aliases too. */
    private static Map<String, List<MqttPacket>> cases(MqttVersion version) {
        boolean v5 = version.isV5();
        Map<String, List<MqttPacket>> cases = new LinkedHashMap<>();
        MqttProperties publishProperties = v5 ? MqttProperties.builder()
                .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .add(PropertyId.MESSAGE_EXPIRY_INTERVAL, 60)
                .add(PropertyId.CONTENT_TYPE, "text/plain")
                .add(PropertyId.RESPONSE_TOPIC, "fuzz/reply")
                .add(PropertyId.CORRELATION_DATA, Binary.utf8("c"))
                .userProperty("k", "v").build() : MqttProperties.EMPTY;
        MqttProperties reason = v5 ? MqttProperties.builder().add(PropertyId.REASON_STRING, "why").build()
                : MqttProperties.EMPTY;
        cases.put("publish-qos0", List.of(publish("fuzz/a", 0, 0, false, MqttProperties.EMPTY)));
        cases.put("publish-qos1", List.of(publish("fuzz/a", 1, 1, false, publishProperties)));
        cases.put("publish-qos2-pubrel", List.of(publish("fuzz/a", 2, 2, false, MqttProperties.EMPTY),
                new PubRel(2)));
        cases.put("publish-retained", List.of(publish("fuzz/r", 1, 3, true, MqttProperties.EMPTY)));
        cases.put("puback", List.of(new PubAck(1)));
        cases.put("pubrec-pubcomp", List.of(new PubRec(1), new PubComp(1)));
        cases.put("subscribe", List.of(new Subscribe(4, List.of(new Subscription("fuzz/#", 2),
                new Subscription("a/+", 0)), MqttProperties.EMPTY)));
        cases.put("unsubscribe", List.of(new Unsubscribe(5, List.of("fuzz/#"), MqttProperties.EMPTY)));
        cases.put("pingreq", List.of(PingReq.INSTANCE));
        cases.put("disconnect", List.of(Disconnect.NORMAL));
        if (v5) {
            cases.put("publish-topic-alias", List.of(
                    publish("fuzz/alias", 1, 6, false, MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, 1).build()),
                    publish("", 1, 7, false, MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, 1).build())));
            cases.put("subscribe-options", List.of(new Subscribe(8, List.of(
                    new Subscription("fuzz/#", 2, true, true, 2), new Subscription("$share/g/fuzz/#", 1)),
                    MqttProperties.builder().add(PropertyId.SUBSCRIPTION_IDENTIFIER, 9).userProperty("u", "p")
                            .build())));
            cases.put("acks-with-reasons", List.of(new PubAck(1, ReasonCode.NO_MATCHING_SUBSCRIBERS, reason),
                    new PubRec(2, ReasonCode.UNSPECIFIED_ERROR, reason), new PubComp(3, ReasonCode.SUCCESS, reason)));
            cases.put("disconnect-with-will", List.of(new Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE,
                    reason)));
            cases.put("auth", List.of(new Auth(ReasonCode.REAUTHENTICATE, MqttProperties.builder()
                    .add(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-256").build())));
        }
        // A whole conversation: subscribe to its own messages, publish at every QoS, acknowledge what comes back.
        List<MqttPacket> conversation = new ArrayList<>();
        conversation.add(new Subscribe(1, List.of(new Subscription("fuzz/#", 2)), MqttProperties.EMPTY));
        conversation.add(publish("fuzz/a", 0, 0, false, MqttProperties.EMPTY));
        conversation.add(publish("fuzz/b", 1, 2, false, publishProperties));
        conversation.add(publish("fuzz/c", 2, 3, false, MqttProperties.EMPTY));
        conversation.add(new PubRel(3));
        conversation.add(new PubAck(1));
        conversation.add(new PubRec(2));
        conversation.add(new PubComp(2));
        conversation.add(new Unsubscribe(4, List.of("fuzz/#"), MqttProperties.EMPTY));
        conversation.add(PingReq.INSTANCE);
        conversation.add(Disconnect.NORMAL);
        cases.put("conversation", conversation);
        return cases;
    }

    private static Publish publish(String topic, int qos, int packetId, boolean retain, MqttProperties properties) {
        return new Publish(topic, qos, retain, false, packetId, properties,
                Unpooled.wrappedBuffer(("payload " + topic).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] encode(MqttPacket packet, MqttVersion version) {
        ByteBuf buf = MqttEncoder.encode(ALLOC, packet, version);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
            if (packet instanceof Publish publish) {
                publish.release();
            }
        }
    }
}
