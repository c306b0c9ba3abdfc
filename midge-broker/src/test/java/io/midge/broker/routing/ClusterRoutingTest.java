package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.UserProperty;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The routing side of a cluster, without processes: which node a share group's message goes to, what a node does
 * with a marked message from another node, and a node catching up on retained messages. Other nodes stand in as
 * subscribers named {@code $cluster/to/<node>}, as their forwarding queues are.
 */
class ClusterRoutingTest {
    private final Router router = new Router(new InMemoryPersistence());
    private final TopicTree tree = router.topicTree();
    private final List<Delivery> held = new CopyOnWriteArrayList<>();

    /** Records what it is offered (and releases it at the end of the test). */
    private final class Inbox implements Subscriber {
        final String clientId;
        final List<Delivery> got = new CopyOnWriteArrayList<>();
        volatile boolean online = true;

        Inbox(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public String clientId() {
            return clientId;
        }

        @Override
        public boolean isOnline() {
            return online;
        }

        @Override
        public boolean offer(Delivery delivery) {
            got.add(delivery);
            held.add(delivery);
            return true;
        }

        List<String> payloads() {
            return got.stream().map(d -> d.message().payload().toString(StandardCharsets.UTF_8)).toList();
        }
    }

    @AfterEach
    void release() {
        held.forEach(Delivery::release);
    }

    private static Message message(String topic, String payload, boolean retain, String publisher,
                                   MqttProperties props) {
        return new Message(topic, 1, retain, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8), props,
                Message.NEVER, publisher);
    }

    private void publish(String topic, String payload, String publisher, MqttProperties props) {
        router.offer(router.route(message(topic, payload, false, publisher, props), null));
    }

    private static MqttProperties mark(String name, String value) {
        return NodeMarks.marked(MqttProperties.builder().userProperty("app", "x").build(), name, value);
    }

    @Test
    @DisplayName("MQTT 5 4.8.2 across nodes: a group with members here takes each message here, never to another "
            + "node holding members")
    void ownMembersFirst() {
        Inbox a = new Inbox("a");
        Inbox b = new Inbox("b");
        Inbox node2 = new Inbox("$cluster/to/n2");
        for (Subscriber s : List.of(a, node2, b)) {
            tree.subscribe(s, "$share/g/jobs/+", SubscriptionOptions.of(1));
        }
        for (int i = 0; i < 10; i++) {
            publish("jobs/1", "m" + i, "pub", MqttProperties.EMPTY);
        }
        assertThat(a.got.size() + b.got.size()).isEqualTo(10);
        assertThat(a.got).hasSize(5);
        assertThat(node2.got).isEmpty();
        assertThat(a.got.get(0).shared()).isTrue();
    }

    @Test
    @DisplayName("MQTT 5 4.8.2 across nodes: offline members here still come before another node; with none here "
            + "the nodes holding members take the messages in turn, each message once")
    void otherNodesOnlyWithoutOwnMembers() {
        Inbox a = new Inbox("a");
        a.online = false;
        Inbox node2 = new Inbox("$cluster/to/n2");
        Inbox node3 = new Inbox("$cluster/to/n3");
        for (Subscriber s : List.of(node2, a, node3)) {
            tree.subscribe(s, "$share/g/jobs", SubscriptionOptions.of(1));
        }
        publish("jobs", "offline", "pub", MqttProperties.EMPTY);
        assertThat(a.payloads()).containsExactly("offline");
        tree.unsubscribe(a, "$share/g/jobs");
        for (int i = 0; i < 10; i++) {
            publish("jobs", "m" + i, "pub", MqttProperties.EMPTY);
        }
        assertThat(node2.got).hasSize(5);
        assertThat(node3.got).hasSize(5);
        assertThat(node2.got).allMatch(Delivery::shared);
    }

    @Test
    @DisplayName("MQTT 5 4.8.2 across nodes: a plain forward from another node reaches plain subscribers only (its "
            + "node chose one node per group); a forward marked for a group reaches one member of it only")
    void markedForwards() {
        Inbox plain = new Inbox("plain");
        Inbox a = new Inbox("a");
        Inbox b = new Inbox("b");
        Inbox other = new Inbox("other");
        Inbox node3 = new Inbox("$cluster/to/n3");
        tree.subscribe(plain, "jobs/#", SubscriptionOptions.of(1));
        tree.subscribe(a, "$share/g/jobs/#", SubscriptionOptions.of(1));
        tree.subscribe(b, "$share/g/jobs/#", SubscriptionOptions.of(1));
        tree.subscribe(other, "$share/h/jobs/#", SubscriptionOptions.of(1));
        tree.subscribe(node3, "$share/g/jobs/#", SubscriptionOptions.of(1));
        tree.subscribe(node3, "jobs/#", SubscriptionOptions.of(1));

        publish("jobs/1", "plain", "$cluster/from/n1", MqttProperties.EMPTY);
        assertThat(plain.payloads()).containsExactly("plain");
        assertThat(a.got.size() + b.got.size() + other.got.size() + node3.got.size()).isZero();

        publish("jobs/1", "for-g", "$cluster/from/n1", mark(NodeMarks.SHARE, "$share/g/jobs/#"));
        assertThat(plain.payloads()).containsExactly("plain");
        assertThat(a.got.size() + b.got.size()).isEqualTo(1);
        assertThat(other.got).isEmpty();
        assertThat(node3.got).isEmpty();
        Delivery d = a.got.isEmpty() ? b.got.get(0) : a.got.get(0);
        assertThat(d.shared()).isTrue();
        assertThat(d.message().properties().userProperties()).as("the mark is taken off")
                .containsExactly(new UserProperty("app", "x"));

        publish("jobs/1", "wrong-topic", "$cluster/from/n1", mark(NodeMarks.SHARE, "$share/g/other"));
        publish("jobs/1", "no-group", "$cluster/from/n1", mark(NodeMarks.SHARE, "$share/none/jobs/#"));
        assertThat(a.got.size() + b.got.size() + other.got.size() + plain.got.size()).isEqualTo(2);

        // A client's own last user property that looks like a mark travels behind a PLAIN mark, untouched.
        MqttProperties spoof = NodeMarks.marked(MqttProperties.builder().userProperty(NodeMarks.SHARE,
                "$share/g/jobs/#").build(), NodeMarks.PLAIN, "");
        publish("jobs/1", "spoof", "$cluster/from/n1", spoof);
        assertThat(plain.payloads()).containsExactly("plain", "spoof");
        assertThat(plain.got.get(1).message().properties().userProperties())
                .containsExactly(new UserProperty(NodeMarks.SHARE, "$share/g/jobs/#"));
    }

    @Test
    @DisplayName("A message that goes to another node and somewhere else too gets an identity, the same in each of "
            + "its deliveries and new for each message; one for one node only, or from a node, gets none; a node "
            + "takes the identity off the PLAIN mark it came with and keeps it in the message")
    void forwardIds() {
        Inbox local = new Inbox("local");
        Inbox node2 = new Inbox("$cluster/to/n2");
        Inbox node3 = new Inbox("$cluster/to/n3");
        tree.subscribe(local, "both/#", SubscriptionOptions.of(1));
        tree.subscribe(node2, "both/#", SubscriptionOptions.of(1));
        tree.subscribe(node3, "nodes/#", SubscriptionOptions.of(1));
        tree.subscribe(node2, "nodes/#", SubscriptionOptions.of(1));
        tree.subscribe(node2, "one/#", SubscriptionOptions.of(1));

        publish("both/1", "a", "pub", MqttProperties.EMPTY);
        publish("both/1", "b", "pub", MqttProperties.EMPTY);
        publish("nodes/1", "c", "pub", MqttProperties.EMPTY);
        long a = local.got.get(0).message().forwardId();
        assertThat(a).isNotZero();
        assertThat(node2.got.get(0).message().forwardId()).isEqualTo(a);
        assertThat(node2.got.get(1).message().forwardId()).isNotZero().isNotEqualTo(a);
        assertThat(node3.got.get(0).message().forwardId()).isNotZero()
                .isEqualTo(node2.got.get(2).message().forwardId());
        publish("one/1", "d", "pub", MqttProperties.EMPTY);
        assertThat(node2.got.get(3).message().forwardId()).as("for one node only").isZero();

        publish("both/2", "e", "$cluster/from/n1", mark(NodeMarks.PLAIN, "77"));
        Delivery fromNode = local.got.get(2);
        assertThat(fromNode.message().forwardId()).isEqualTo(77);
        assertThat(fromNode.message().properties().userProperties()).as("the mark is taken off")
                .containsExactly(new UserProperty("app", "x"));
        assertThat(node2.got).as("a message from a node goes to no other node").hasSize(4);
        publish("both/2", "f", "$cluster/from/n1", mark(NodeMarks.PLAIN, "not a number"));
        assertThat(local.got.get(3).message().forwardId()).isZero();
    }

    @Test
    @DisplayName("MQTT 5 4.8.2 across nodes: a node whose members of the group all left hands a marked message on to "
            + "one other node holding members, once; a message handed on already is dropped there")
    void handedOnOnceWhenTheMembersLeft() {
        Inbox node3 = new Inbox("$cluster/to/n3");
        tree.subscribe(node3, "$share/g/jobs", SubscriptionOptions.of(1));
        publish("jobs", "first", "$cluster/from/n1", mark(NodeMarks.SHARE, "$share/g/jobs"));
        assertThat(node3.payloads()).containsExactly("first");
        publish("jobs", "again", "$cluster/from/n1", mark(NodeMarks.SHARE_LAST, "$share/g/jobs"));
        assertThat(node3.payloads()).containsExactly("first");
        assertThat(tree.sharedMember("$share/g/jobs", "jobs", true)).isNull();
        assertThat(tree.sharedMember("$share/g/jobs", "jobs", false).subscriber()).isSameAs(node3);
    }

    @Test
    @DisplayName("A node catching up: copies are kept unless something newer came; at the end, retained messages "
            + "from other nodes that no copy renewed are cleared (MQTT-3.3.1-5, MQTT-3.3.1-6)")
    void retainedCatchUp() {
        // Held from before: one from another node that was cleared meanwhile, one from this node's own client.
        restore("gone", "$cluster/from/n2");
        restore("mine", "local-client");
        restore("renewed", "$cluster/from/n2");
        router.beginRetainedSync();
        assertThat(router.retainedSyncRunning()).isTrue();
        // Newer than any copy: a live forward, and a local clearing.
        route(message("live", "new", true, "$cluster/from/n3", MqttProperties.EMPTY));
        MqttProperties copy = NodeMarks.marked(MqttProperties.EMPTY, NodeMarks.SYNC, "");
        route(message("live", "stale-copy", true, "$cluster/from/n2", copy));
        route(message("renewed", "copy", true, "$cluster/from/n2", copy));
        route(message("fresh", "copy", true, "$cluster/from/n2", copy));
        Inbox sub = new Inbox("sub");
        tree.subscribe(sub, "#", SubscriptionOptions.of(1));
        route(message("fresh2", "copy", true, "$cluster/from/n2", copy));
        assertThat(sub.got).as("copies are not delivered, only kept").isEmpty();
        route(message("midge/retained-sync/end", "", true, "$cluster/from/n2",
                NodeMarks.marked(MqttProperties.EMPTY, NodeMarks.SYNC, NodeMarks.SYNC_END)));
        assertThat(router.retainedSyncRunning()).isFalse();
        Map<String, String> kept = new HashMap<>();
        router.retained().forEach((t, m) -> kept.put(t, m.payload().toString(StandardCharsets.UTF_8)));
        assertThat(kept).containsOnly(Map.entry("mine", "own"), Map.entry("renewed", "copy"),
                Map.entry("fresh", "copy"), Map.entry("fresh2", "copy"), Map.entry("live", "new"));
        assertThat(router.retained().get("renewed").properties().userProperties()).isEmpty();
        // After the end a late copy changes nothing.
        route(message("late", "copy", true, "$cluster/from/n2", copy));
        assertThat(router.retained().get("late")).isNull();
    }

    private void restore(String topic, String publisher) {
        Message m = message(topic, topic.equals("mine") ? "own" : "old", true, publisher, MqttProperties.EMPTY);
        router.restoreRetained(StoredMessages.toStored(m));
        m.payload().release();
    }

    private void route(Message m) {
        router.offer(router.route(m, null));
    }

    @Test
    @DisplayName("A share group's identifier is the same for a filter everywhere, below the one that marks copies")
    void shareIds() {
        assertThat(NodeMarks.shareId("$share/g/a")).isEqualTo(NodeMarks.shareId("$share/g/a"))
                .isBetween(1, NodeMarks.SYNC_ID - 1);
        assertThat(NodeMarks.of(MqttProperties.builder().userProperty("x", "1").build())).isNull();
        assertThat(NodeMarks.of(mark(NodeMarks.SHARE, "$share/g/a"))).isEqualTo(new UserProperty(NodeMarks.SHARE,
                "$share/g/a"));
        assertThat(NodeMarks.unmarked(mark(NodeMarks.SHARE, "$share/g/a")).userProperties())
                .containsExactly(new UserProperty("app", "x"));
    }
}
