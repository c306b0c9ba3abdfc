package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private static final SubscriptionOptions QOS0 = SubscriptionOptions.of(0);
    private static final SubscriptionOptions QOS1 = SubscriptionOptions.of(1);

    @Test
    @DisplayName("A filter is one route however many local subscribers want it; a share group's filter is a route "
            + "of its own (MQTT 5 4.8.2: the publishing node picks one node per group); nodes' own subscriptions and "
            + "$ filters are no routes")
    void routesAreCountedPerFilter() {
        TopicTree tree = new TopicTree();
        RouteTable table = new RouteTable("n1", Runnable::run, tree); // not joined: counts only
        tree.watch(table);
        LocalSubscriber a = new LocalSubscriber("a");
        LocalSubscriber b = new LocalSubscriber("b");
        tree.subscribe(a, "x/#", QOS1);
        tree.subscribe(b, "x/#", QOS1);
        tree.subscribe(b, "$share/g/x/#", QOS1);
        tree.subscribe(a, "$share/g/x/#", QOS1);
        tree.subscribe(a, "$SYS/#", QOS1);
        tree.subscribe(a, "$share/g/$SYS/#", QOS1);
        tree.subscribe(new LocalSubscriber("$cluster/to/n2", true), "y", QOS1);
        assertThat(table.ownRoutes()).isEqualTo(2);
        tree.unsubscribe(a, "x/#");
        tree.unsubscribe(b, "x/#");
        assertThat(table.ownRoutes()).as("the share group's route stays").isEqualTo(1);
        tree.unsubscribe(b, "$share/g/x/#");
        assertThat(table.ownRoutes()).as("a still is in the group").isEqualTo(1);
        tree.unsubscribe(a, "$share/g/x/#");
        assertThat(table.ownRoutes()).isZero();
        assertThat(RouteTable.routed("$share/group/a/+/c")).isEqualTo("$share/group/a/+/c");
        assertThat(RouteTable.routed("$share/group/$SYS/x")).isNull();
        assertThat(RouteTable.key("n1", "a/b")).isEqualTo("n1\0a/b");
    }

    @Test
    @DisplayName("A route is durable while a persistent session wants it at QoS 1 or 2 (its messages must survive a "
            + "crash of the publishing node), clean while only clean sessions or QoS 0 subscriptions do; it follows "
            + "replaced options, a session that became persistent, and leaving subscribers; share groups too; a value "
            + "a node does not know counts as durable")
    void routeDurability() {
        Map<String, String> announced = new ConcurrentHashMap<>();
        TopicTree tree = new TopicTree();
        RouteTable table = new RouteTable("n1", Runnable::run, tree);
        tree.watch(table);
        table.connect(FakeReplicatedMap.over(announced));
        String x = RouteTable.key("n1", "x/#");
        LocalSubscriber clean = new LocalSubscriber("clean");
        LocalSubscriber kept = new LocalSubscriber("kept", true);
        tree.subscribe(clean, "x/#", QOS1);
        assertThat(announced).containsEntry(x, RouteTable.CLEAN);
        tree.subscribe(kept, "x/#", QOS0);
        assertThat(announced).as("QoS 0 is never stored").containsEntry(x, RouteTable.CLEAN);
        tree.subscribe(kept, "x/#", QOS1);
        assertThat(announced).containsEntry(x, RouteTable.DURABLE);
        tree.subscribe(kept, "x/#", QOS0);
        assertThat(announced).containsEntry(x, RouteTable.CLEAN);
        tree.subscribe(kept, "x/#", QOS1);
        tree.unsubscribe(kept, "x/#");
        assertThat(announced).containsEntry(x, RouteTable.CLEAN);
        tree.unsubscribe(clean, "x/#");
        assertThat(announced).doesNotContainKey(x);

        LocalSubscriber resumed = new LocalSubscriber("resumed");
        tree.subscribe(resumed, "y", QOS1);
        assertThat(announced).containsEntry(RouteTable.key("n1", "y"), RouteTable.CLEAN);
        resumed.stored = true;
        tree.storedNow(resumed, Map.of("y", QOS1));
        assertThat(announced).containsEntry(RouteTable.key("n1", "y"), RouteTable.DURABLE);

        tree.subscribe(clean, "$share/g/z", QOS1);
        assertThat(announced).containsEntry(RouteTable.key("n1", "$share/g/z"), RouteTable.CLEAN);
        tree.subscribe(kept, "$share/g/z", QOS1);
        assertThat(announced).containsEntry(RouteTable.key("n1", "$share/g/z"), RouteTable.DURABLE);
        tree.subscribe(new LocalSubscriber("$cluster/to/n2", true), "w", QOS1);
        assertThat(announced).doesNotContainKey(RouteTable.key("n1", "w"));

        assertThat(RouteTable.isDurable(null)).isTrue();
        assertThat(RouteTable.isDurable("")).isTrue();
        assertThat(RouteTable.isDurable("something newer")).isTrue();
        assertThat(RouteTable.isDurable(RouteTable.CLEAN)).isFalse();
        announced.put(RouteTable.key("n2", "a"), RouteTable.CLEAN);
        announced.put(RouteTable.key("n2", "b"), "");
        assertThat(table.othersRoutes()).containsEntry("n2", Map.of("a", false, "b", true));
    }

    @Test
    @DisplayName("A queue's membership of a share group carries the group's identifier, the same for a filter "
            + "after a restart; two filters with one hash get different identifiers")
    void shareIds() {
        ShareIds ids = new ShareIds();
        int g = ids.id("$share/g/x");
        assertThat(ids.id("$share/g/x")).isEqualTo(g);
        assertThat(ids.filter(g)).isEqualTo("$share/g/x");
        // "Aa" and "BB" have the same String hash.
        int aa = ids.id("$share/Aa/x");
        int bb = ids.id("$share/BB/x");
        assertThat(aa).isNotEqualTo(bb);
        assertThat(ids.filter(aa)).isEqualTo("$share/Aa/x");
        assertThat(ids.filter(bb)).isEqualTo("$share/BB/x");
        ShareIds restored = new ShareIds();
        restored.restored("$share/BB/x", bb);
        assertThat(restored.id("$share/BB/x")).isEqualTo(bb);
        assertThat(restored.id("$share/Aa/x")).isEqualTo(aa);
    }
}
