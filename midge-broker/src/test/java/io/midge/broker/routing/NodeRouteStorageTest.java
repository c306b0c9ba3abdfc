package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Which deliveries the publish path keeps in the store for another cluster node's forwarding queue: QoS 1 only
 * through a durable route (a persistent session wants it there), QoS 2 always, and one delivery when a message
 * matches both kinds of route.
 */
class NodeRouteStorageTest {
    private final InMemoryPersistence store = new InMemoryPersistence();
    private final Router router = new Router(store);
    private final TopicTree tree = router.topicTree();
    private final List<StoredSubscriber> subscribers = new ArrayList<>();

    private StoredSubscriber stored(String clientId) {
        StoredSubscriber s = new StoredSubscriber(clientId);
        subscribers.add(s);
        return s;
    }

    @AfterEach
    void release() {
        subscribers.forEach(StoredSubscriber::release);
    }

    /** Routes as the durable publish path does: with the publisher's batch. */
    private void publish(String topic, int qos) {
        Message m = new Message(topic, qos, false, Unpooled.copiedBuffer("m", StandardCharsets.UTF_8),
                MqttProperties.EMPTY, Message.NEVER, "pub");
        router.offer(router.route(m, store.batch("pub")));
    }

    @Test
    @DisplayName("A clean route of another node: QoS 1 is forwarded without a store write, QoS 2 is stored (the other "
            + "node holds its packet identifier until PUBREL, MQTT-4.3.3-10); a client's subscription is stored as "
            + "ever")
    void cleanRouteStoresQos2Only() {
        StoredSubscriber queue = stored("$cluster/to/n2");
        StoredSubscriber client = stored("persistent");
        tree.subscribe(queue, "a/#", SubscriptionOptions.of(2), false);
        tree.subscribe(client, "a/#", SubscriptionOptions.of(2));
        publish("a/b", 1);
        assertThat(queue.last().isStored()).isFalse();
        assertThat(client.last().isStored()).isTrue();
        publish("a/b", 2);
        assertThat(queue.last().isStored()).isTrue();
        publish("a/b", 0);
        assertThat(queue.last().isStored()).isFalse();
        assertThat(queue.got).hasSize(3);
    }

    @Test
    @DisplayName("A message matching a clean and a durable route of one node is one delivery, stored; a route that "
            + "becomes durable is a replaced subscription, stored from then on")
    void bothKindsMakeOneStoredDelivery() {
        StoredSubscriber queue = stored("$cluster/to/n2");
        tree.subscribe(queue, "a/#", SubscriptionOptions.of(2), false);
        tree.subscribe(queue, "a/b", SubscriptionOptions.of(2), true);
        publish("a/b", 1);
        assertThat(queue.got).hasSize(1);
        assertThat(queue.last().isStored()).isTrue();
        publish("a/c", 1);
        assertThat(queue.got).hasSize(2);
        assertThat(queue.last().isStored()).isFalse();
        assertThat(tree.subscribe(queue, "a/#", SubscriptionOptions.of(2), true)).isEqualTo(SubscribeResult.REPLACED);
        publish("a/c", 1);
        assertThat(queue.last().isStored()).isTrue();
        assertThat(tree.match("a/c", "pub").durable(0)).isTrue();
        tree.subscribe(queue, "a/#", SubscriptionOptions.of(2), false);
        assertThat(tree.match("a/c", "pub").durable(0)).isFalse();
    }

    @Test
    @DisplayName("A share group's member on another node whose route is clean gets QoS 1 without a store write "
            + "(MQTT 5 4.8.2: one member per group)")
    void cleanSharedRoute() {
        StoredSubscriber queue = stored("$cluster/to/n2");
        tree.subscribe(queue, "$share/g/s/#", SubscriptionOptions.of(2), false);
        publish("s/1", 1);
        assertThat(queue.got).hasSize(1);
        assertThat(queue.last().isStored()).isFalse();
        assertThat(queue.last().shared()).isTrue();
    }
}
