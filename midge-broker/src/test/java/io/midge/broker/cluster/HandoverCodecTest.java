package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HandoverCodecTest {

    private static StoredDelivery delivery(String topic, int qos, String payload) {
        MqttProperties props = MqttProperties.builder()
                .add(PropertyId.CONTENT_TYPE, "text/plain")
                .add(PropertyId.CORRELATION_DATA, Binary.of(new byte[] {1, 2, 3}))
                .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .add(new MqttProperties.Property(PropertyId.USER_PROPERTY, new UserProperty("k", "v")))
                .build();
        return new StoredDelivery(new StoredMessage(topic, 2, false, payload.getBytes(StandardCharsets.UTF_8), props,
                1_900_000_000_000L, "publisher"), qos, true, new int[] {7, 9}, false);
    }

    @Test
    @DisplayName("A whole session crosses as written: subscriptions with every option, in flight (QoS 1, QoS 2 "
            + "before and after PUBREC) in order, queued in order, unreleased QoS 2 identifiers, next sequence")
    void sessionRoundTrips() {
        Map<String, StoredSubscription> subs = new LinkedHashMap<>();
        subs.put("a/#", new StoredSubscription(2, true, true, 2, 12));
        subs.put("$share/g/b", StoredSubscription.of(1));
        RecoveredSession s = new RecoveredSession(new StoredSession("client é", 5, 3600, StoredSession.CONNECTED),
                Long.MAX_VALUE, subs,
                List.of(new QueuedDelivery(3, delivery("a/q", 1, "queued")),
                        new QueuedDelivery(4, new StoredDelivery(new StoredMessage("a/r", 0, false, new byte[0],
                                MqttProperties.EMPTY, StoredMessage.NEVER, null), 0, false, null, true))),
                List.of(new InflightDelivery(65_535, 0, InflightState.AWAITING_PUBACK, delivery("a/1", 1, "one")),
                        new InflightDelivery(1, 1, InflightState.AWAITING_PUBREC, delivery("a/2", 2, "two")),
                        new InflightDelivery(2, 2, InflightState.AWAITING_PUBCOMP, null)),
                new int[] {5, 60_000}, 5);
        HandoverCodec.Frame f = HandoverCodec.read(HandoverCodec.answer(77, "client é", HandoverCodec.SESSION, null,
                s));
        assertThat(f.kind()).isEqualTo(HandoverCodec.ANSWER);
        assertThat(f.requestId()).isEqualTo(77);
        RecoveredSession r = f.session();
        assertThat(r.session()).isEqualTo(s.session());
        assertThat(r.subscriptions()).containsExactlyEntriesOf(subs);
        assertThat(r.inflight()).isEqualTo(s.inflight());
        assertThat(r.queued()).isEqualTo(s.queued());
        assertThat(Arrays.equals(r.inboundQos2(), s.inboundQos2())).isTrue();
        assertThat(r.nextSequence()).isEqualTo(5);
        assertThat(r.expiresAtMillis()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    @DisplayName("Request, refusal, done, tail, route and mark messages read back; a truncated one is refused, not "
            + "guessed")
    void otherMessages() {
        HandoverCodec.Frame req = HandoverCodec.read(HandoverCodec.request(1, "c", true));
        assertThat(req.kind()).isEqualTo(HandoverCodec.REQUEST);
        assertThat(req.clientId()).isEqualTo("c");
        assertThat(req.flag()).isTrue();
        HandoverCodec.Frame refused = HandoverCodec.read(HandoverCodec.answer(2, "c", HandoverCodec.REFUSED, "busy",
                null));
        assertThat(refused.status()).isEqualTo(HandoverCodec.REFUSED);
        assertThat(refused.reason()).isEqualTo("busy");
        assertThat(refused.session()).isNull();
        HandoverCodec.Frame done = HandoverCodec.read(HandoverCodec.done(3, "c", false));
        assertThat(done.kind()).isEqualTo(HandoverCodec.DONE);
        assertThat(done.flag()).isFalse();
        HandoverCodec.Frame tail = HandoverCodec.read(HandoverCodec.tail(4, "c",
                List.of(delivery("t", 1, "late"), delivery("t", 2, "later")), List.of("$cluster/from/n3 17", ""),
                Map.of("$cluster/from/n2", 16L, "$cluster/from/n1", 9L)));
        assertThat(tail.tail()).containsExactly(delivery("t", 1, "late"), delivery("t", 2, "later"));
        assertThat(tail.identities()).as("the deliveries' identities").containsExactly("$cluster/from/n3 17", "");
        assertThat(tail.routedBefore()).as("the last forward identity per node before its switch")
                .isEqualTo(Map.of("$cluster/from/n2", 16L, "$cluster/from/n1", 9L));
        assertThat(tail.requestId()).isEqualTo(4);
        HandoverCodec.Frame route = HandoverCodec.read(HandoverCodec.route(5, "c", "node 2", List.of("a/#", "$share/g/b")));
        assertThat(route.kind()).isEqualTo(HandoverCodec.ROUTE);
        assertThat(route.reason()).isEqualTo("node 2");
        assertThat(route.filters()).containsExactly("a/#", "$share/g/b");
        HandoverCodec.Frame mark = HandoverCodec.read(HandoverCodec.mark(5, "c", 1_882_000_000_123L));
        assertThat(mark.kind()).isEqualTo(HandoverCodec.MARK);
        assertThat(mark.requestId()).isEqualTo(5);
        assertThat(mark.lastForwardId()).as("the last forward identity before the switch").isEqualTo(1_882_000_000_123L);
        byte[] whole = HandoverCodec.request(1, "client", false);
        assertThatThrownBy(() -> HandoverCodec.read(Arrays.copyOf(whole, whole.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("A tail whose delivery is cut inside its message (the store's encoding, behind a length) is refused "
            + "as malformed, not read as a shorter message")
    void aDeliveryCutInsideIsRefused() {
        byte[] whole = HandoverCodec.tail(4, "c", List.of(delivery("t", 1, "payload")), List.of(""), Map.of());
        // The delivery's length says 3 bytes: its message then ends before its topic.
        byte[] cut = Arrays.copyOf(whole, whole.length);
        int at = indexOfLength(cut, whole);
        java.nio.ByteBuffer.wrap(cut).putInt(at, 3);
        assertThatThrownBy(() -> HandoverCodec.read(cut)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Where the first delivery's length is in a one-delivery tail: the first int that equals the bytes after it. */
    private static int indexOfLength(byte[] frame, byte[] whole) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame);
        for (int i = 0; i + 4 <= frame.length; i++) {
            int n = b.getInt(i);
            if (n > 8 && i + 4 + n <= frame.length && new String(whole, i + 4, n,
                    java.nio.charset.StandardCharsets.ISO_8859_1).endsWith("payload")) {
                return i;
            }
        }
        throw new AssertionError("no delivery length in the frame");
    }

    @Test
    @DisplayName("The new node's word that it stored a tail reads back; a truncated one, and one with bytes too many, "
            + "are refused with a message saying so")
    void tailStoredRoundTripsAndMalformedOnesAreRefused() {
        byte[] whole = HandoverCodec.tailStored(42, "client é");
        HandoverCodec.Frame f = HandoverCodec.read(whole);
        assertThat(f.kind()).isEqualTo(HandoverCodec.TAIL_STORED);
        assertThat(f.requestId()).isEqualTo(42);
        assertThat(f.clientId()).isEqualTo("client é");

        assertThatThrownBy(() -> HandoverCodec.read(Arrays.copyOf(whole, whole.length - 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> HandoverCodec.read(Arrays.copyOf(whole, whole.length + 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 bytes too many");
    }

    @Test
    @DisplayName("A node's new routes and another node's word that it forwards them read back; truncated ones are "
            + "refused")
    void routesAndRoutedRoundTrip() {
        byte[] routes = HandoverCodec.routes(77, List.of("ward3/+/heartrate", "$share/alerts/ward3/#"), true);
        HandoverCodec.Frame r = HandoverCodec.read(routes);
        assertThat(r.kind()).isEqualTo(HandoverCodec.ROUTES);
        assertThat(r.flag()).as("durable").isTrue();
        assertThat(HandoverCodec.read(HandoverCodec.routes(78, List.of("a"), false)).flag()).as("clean").isFalse();
        assertThat(r.requestId()).isEqualTo(77);
        assertThat(r.filters()).containsExactly("ward3/+/heartrate", "$share/alerts/ward3/#");
        HandoverCodec.Frame routed = HandoverCodec.read(HandoverCodec.routed(77));
        assertThat(routed.kind()).isEqualTo(HandoverCodec.ROUTED);
        assertThat(routed.requestId()).isEqualTo(77);
        assertThatThrownBy(() -> HandoverCodec.read(Arrays.copyOf(routes, routes.length - 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }
}
