package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_SUBSCRIPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.packet.UnsubAck;
import io.midge.codec.packet.Unsubscribe;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.midge.testkit.TestPackets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max-subscriptions: the topic filters one client may hold; those beyond it are refused in SUBACK, and counted. */
class SubscriptionLimitTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(MAX_SUBSCRIPTIONS, 2));

    private final List<RawClient> clients = new ArrayList<>();
    private int packetId;

    @AfterEach
    void closeClients() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
    }

    private RawClient connect(MqttVersion version, String clientId, boolean cleanStart) throws Exception {
        RawClient c = new RawClient(broker.port());
        clients.add(c);
        c.connect(TestPackets.connect(version, clientId, cleanStart, 0));
        return c;
    }

    private List<ReasonCode> subscribe(RawClient client, String... filters) throws Exception {
        List<Subscription> subs = new ArrayList<>();
        for (String f : filters) {
            subs.add(new Subscription(f, 1));
        }
        client.send(new Subscribe(++packetId, subs, MqttProperties.EMPTY));
        SubAck subAck = client.receive(SubAck.class);
        assertThat(subAck.packetId()).isEqualTo(packetId);
        return subAck.reasonCodes();
    }

    private long refused() {
        return broker.broker().metrics().refusedSubscriptionLimit.sum();
    }

    @Test
    @DisplayName("5.0: the filters of a SUBSCRIBE beyond max-subscriptions get 0x97 Quota exceeded, the others are "
            + "granted")
    void filtersBeyondTheLimitGetQuotaExceeded() throws Exception {
        RawClient c = connect(MqttVersion.MQTT_5, "sl-1", true);
        assertThat(subscribe(c, "sl/1/a", "sl/1/b", "sl/1/c", "$share/g/sl/1/d"))
                .containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_1, ReasonCode.QUOTA_EXCEEDED,
                        ReasonCode.QUOTA_EXCEEDED);
        assertThat(refused()).isEqualTo(2);
        // Not subscribed to what was refused: of two messages in order, only the second comes back.
        c.send(TestPackets.publish("sl/1/c", 0, 0, new byte[] {1}));
        c.send(TestPackets.publish("sl/1/a", 0, 0, new byte[] {2}));
        assertThat(c.receive(Publish.class).topic()).isEqualTo("sl/1/a");
    }

    @Test
    @DisplayName("3.1.1: a filter beyond max-subscriptions gets 0x80 Failure")
    void aThreeOneOneClientGetsFailure() throws Exception {
        RawClient c = connect(MqttVersion.MQTT_3_1_1, "sl-2", true);
        List<ReasonCode> codes = subscribe(c, "sl/2/a", "sl/2/b", "sl/2/c");
        assertThat(codes).hasSize(3);
        assertThat(codes.get(0)).isEqualTo(ReasonCode.GRANTED_QOS_1);
        assertThat(codes.get(1)).isEqualTo(ReasonCode.GRANTED_QOS_1);
        assertThat(codes.get(2).value()).isEqualTo(0x80);
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    @DisplayName("Subscribing again to a filter the client has replaces it and takes no more room")
    void resubscribingDoesNotCountTwice() throws Exception {
        RawClient c = connect(MqttVersion.MQTT_5, "sl-3", true);
        assertThat(subscribe(c, "sl/3/a", "sl/3/b")).doesNotContain(ReasonCode.QUOTA_EXCEEDED);
        assertThat(subscribe(c, "sl/3/a", "sl/3/b", "sl/3/a"))
                .containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_1);
        assertThat(subscribe(c, "sl/3/c")).containsExactly(ReasonCode.QUOTA_EXCEEDED);
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    @DisplayName("Unsubscribing frees room for another filter")
    void unsubscribingFreesRoom() throws Exception {
        RawClient c = connect(MqttVersion.MQTT_5, "sl-4", true);
        subscribe(c, "sl/4/a", "sl/4/b");
        assertThat(subscribe(c, "sl/4/c")).containsExactly(ReasonCode.QUOTA_EXCEEDED);
        c.send(new Unsubscribe(++packetId, List.of("sl/4/a"), MqttProperties.EMPTY));
        assertThat(c.receive(UnsubAck.class).reasonCodes()).containsExactly(ReasonCode.SUCCESS);
        assertThat(subscribe(c, "sl/4/c")).containsExactly(ReasonCode.GRANTED_QOS_1);
    }

    @Test
    @DisplayName("A persistent session keeps its subscriptions, and so its count, across a reconnect")
    void aPersistentSessionKeepsItsCount() throws Exception {
        RawClient first = connect(MqttVersion.MQTT_3_1_1, "sl-5", false);
        subscribe(first, "sl/5/a", "sl/5/b");
        first.close();
        RawClient second = connect(MqttVersion.MQTT_3_1_1, "sl-5", false);
        assertThat(subscribe(second, "sl/5/c").get(0).value()).isEqualTo(0x80);
        assertThat(subscribe(second, "sl/5/b")).containsExactly(ReasonCode.GRANTED_QOS_1);
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    @DisplayName("A clean start begins with no subscriptions, so with the full allowance")
    void aCleanStartBeginsWithNone() throws Exception {
        RawClient first = connect(MqttVersion.MQTT_3_1_1, "sl-6", false);
        subscribe(first, "sl/6/a", "sl/6/b");
        first.close();
        RawClient second = connect(MqttVersion.MQTT_3_1_1, "sl-6", true);
        assertThat(subscribe(second, "sl/6/c", "sl/6/d"))
                .containsExactly(ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_1);
        assertThat(refused()).isZero();
    }
}
