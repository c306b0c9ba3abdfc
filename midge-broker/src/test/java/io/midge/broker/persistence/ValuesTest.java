package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.codec.property.MqttProperties;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void messageWithEveryPropertyTypeRoundTrips() {
        StoredMessage m = Samples.richMessage();
        assertThat(Values.message(Values.message(m))).isEqualTo(m);
    }

    @Test
    void bareMessageRoundTripsAndStaysSmall() {
        StoredMessage m = new StoredMessage("a", 0, false, new byte[0], MqttProperties.EMPTY, StoredMessage.NEVER,
                null);
        byte[] encoded = Values.message(m);
        assertThat(Values.message(encoded)).isEqualTo(m);
        assertThat(encoded).hasSize(3); // flags, topic length, topic
    }

    @Test
    void deliveryKeepsItsOwnQosRetainIdentifiersAndSharedFlag() {
        StoredMessage m = Samples.richMessage();
        StoredDelivery d = new StoredDelivery(m, 1, true, new int[] {1, 300, 268_435_455 /* the largest Subscription Identifier */},
                true);
        assertThat(Values.delivery(Values.delivery(d, Values.message(m)))).isEqualTo(d);
    }

    @Test
    void sessionRoundTripsConnectedAndDisconnected() {
        StoredSession connected = new StoredSession("c", 4, 0, StoredSession.CONNECTED);
        StoredSession offline = new StoredSession("c", 5, StoredSession.NEVER_EXPIRES, 1_700_000_000_123L);
        assertThat(Values.session("c", Values.session(connected))).isEqualTo(connected);
        assertThat(Values.session("c", Values.session(offline))).isEqualTo(offline);
    }

    @Test
    @DisplayName("A cluster node's session keeps its registry epoch; a record written without one (a broker on its "
            + "own, or before epochs were stored) reads as epoch 0, and is written byte for byte as before")
    void sessionKeepsItsClusterEpoch() {
        StoredSession node = new StoredSession("c", 5, 3600, StoredSession.CONNECTED, 1_733_380_000_456L);
        assertThat(Values.session("c", Values.session(node))).isEqualTo(node);
        StoredSession alone = new StoredSession("c", 5, 3600, 1_700_000_000_123L);
        byte[] before = new ByteWriter(16).writeByte(5).writeVarLong(3600).writeVarLong(1_700_000_000_124L)
                .toByteArray();
        assertThat(Values.session(alone)).isEqualTo(before);
        assertThat(Values.session("c", before).clusterEpoch()).isZero();
    }

    @Test
    void everyCombinationOfSubscriptionOptionsRoundTrips() {
        for (int qos = 0; qos <= 2; qos++) {
            for (int rh = 0; rh <= 2; rh++) {
                for (int flags = 0; flags < 4; flags++) {
                    StoredSubscription o = new StoredSubscription(qos, (flags & 1) != 0, (flags & 2) != 0, rh,
                            qos * 1000 + rh);
                    assertThat(Values.subscription(Values.subscription(o))).isEqualTo(o);
                }
            }
        }
    }

    @Test
    void inflightAndWillRoundTrip() {
        Values.Inflight i = Values.inflight(Values.inflight(InflightState.AWAITING_PUBCOMP, 1L << 40));
        assertThat(i).isEqualTo(new Values.Inflight(InflightState.AWAITING_PUBCOMP, 1L << 40));
        StoredWill will = new StoredWill("c", Samples.richMessage(), 1_700_000_000_000L);
        assertThat(Values.will("c", Values.will(will))).isEqualTo(will);
    }

    @Test
    void queueKeysSortInSequenceOrder() {
        long[] sequences = {0, 1, 127, 128, 255, 256, 65_536, 1L << 40, Long.MAX_VALUE};
        for (int i = 1; i < sequences.length; i++) {
            assertThat(Arrays.compareUnsigned(Keys.queued("c", sequences[i - 1]), Keys.queued("c", sequences[i])))
                    .isNegative();
        }
    }

    @Test
    void aClientsRangeHoldsNoKeyOfAClientWhoseIdentifierExtendsIt() {
        byte[] start = Keys.clientStart("ab");
        byte[] end = Keys.clientEnd("ab");
        for (byte[] key : new byte[][] {Keys.session("abc"), Keys.subscription("abc", "x"), Keys.queued("a", 1),
                Keys.session("ab\u00ff")}) {
            boolean inside = Arrays.compareUnsigned(start, key) <= 0 && Arrays.compareUnsigned(key, end) < 0;
            assertThat(inside).isFalse();
        }
        for (byte[] key : new byte[][] {Keys.session("ab"), Keys.subscription("ab", "\uffff/#"),
                Keys.queued("ab", Long.MAX_VALUE), Keys.inflight("ab", 65535), Keys.inboundQos2("ab", 1)}) {
            assertThat(Arrays.compareUnsigned(start, key) <= 0 && Arrays.compareUnsigned(key, end) < 0).isTrue();
        }
    }

    @Test
    void damagedValuesAreRefusedNotMisread() {
        byte[] encoded = Values.delivery(Samples.delivery(Samples.richMessage()),
                Values.message(Samples.richMessage()));
        assertThatThrownBy(() -> Values.delivery(Arrays.copyOf(encoded, 12))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> Values.session("c", bytes(""))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Values.inflight(new byte[] {9, 1})).hasMessageContaining("in-flight state");
    }

    @Test
    void packetIdentifiersOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> Keys.inflight("c", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.inboundQos2("c", 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.queued("c", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
